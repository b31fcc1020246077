"""The master key and the primitives built on it: key wrapping, sealing, lookup HMACs.

Personal data is sealed with AES-256-GCM under a data key of the family's own; data keys are
stored wrapped (AES-GCM again) by the master key. Lookups that must find a family by a personal
value (the KK number) use an HMAC under a key derived from the master key, so the lookup table
cannot be reversed by enumerating the (small) space of valid KK numbers.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.settings import Settings

KEY_BYTES = 32
NONCE_BYTES = 12


class MasterKeyError(RuntimeError):
    """The master key is missing, malformed or does not belong to this database."""


@functools.lru_cache(maxsize=64)
def _derive(master: bytes, purpose: str) -> bytes:
    # HMAC as a KDF with a distinct label per purpose (RFC 5869's extract step, one block).
    # Cached: a rebuild or an import derives the same few keys for every family otherwise;
    # the cache holds nothing the MasterKey beside it does not already hold.
    return hmac.digest(master, f"casework:{purpose}".encode(), "sha256")


def seal(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """nonce ‖ AES-GCM(plaintext); `associated` binds the ciphertext to its owner."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def open_sealed(key: bytes, sealed: bytes, associated: bytes) -> bytes:
    return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)


@dataclass(frozen=True)
class MasterKey:
    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise MasterKeyError(f"the master key must be {KEY_BYTES} bytes")

    @property
    def fingerprint(self) -> str:
        return _derive(self.secret, "fingerprint").hex()

    def wrap(self, data_key: bytes, owner: bytes) -> bytes:
        return seal(_derive(self.secret, "wrap"), data_key, owner)

    def unwrap(self, wrapped: bytes, owner: bytes) -> bytes:
        return open_sealed(_derive(self.secret, "wrap"), wrapped, owner)

    def lookup_hmac(self, scope: str, value: str) -> str:
        """A keyed digest of a personal value, for uniqueness lookups that must not reveal it."""
        key = _derive(self.secret, f"lookup:{scope}")
        return hmac.digest(key, value.encode(), "sha256").hex()

    @staticmethod
    def generate() -> MasterKey:
        return MasterKey(secrets.token_bytes(KEY_BYTES))

    def encoded(self) -> str:
        return base64.b64encode(self.secret).decode()

    @staticmethod
    def decode(text: str) -> MasterKey:
        try:
            return MasterKey(base64.b64decode(text.strip(), validate=True))
        except (binascii.Error, ValueError) as error:
            raise MasterKeyError("the master key is not valid base64 of 32 bytes") from error


def load_master_key(settings: Settings, *, create: bool = False) -> MasterKey:
    """From CASEWORK_MASTER_KEY, else the key file (created with mode 0600 when `create`)."""
    if settings.master_key:
        return MasterKey.decode(settings.master_key)
    path = settings.key_file
    if path.exists():
        return MasterKey.decode(path.read_text())
    if not create:
        raise MasterKeyError(
            f"no master key: set CASEWORK_MASTER_KEY or run `casework migrate` to create {path}"
        )
    return _create_key_file(path)


def _create_key_file(path: Path) -> MasterKey:
    key = MasterKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two first-time migrations racing must not each write a different key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.encoded() + "\n")
    return key
