-- A fingerprint of CASEWORK_MATCHING_KEY, recorded once `casework migrate` has made every
-- digest under it: a process with another key (or none) is refused until migrate has made
-- them again. Not published.
CREATE TABLE matching_key_check (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    fingerprint  text    NOT NULL
);
