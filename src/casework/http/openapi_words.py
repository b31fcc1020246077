"""Each operation of the OpenAPI document named in words, and described as API.md has it.

litestar names an operation after its handler (`DeliverAid`, `Index`, `Read`), which tells a
reader of the docs page nothing; and it leaves the description empty. The table below gives
each a summary a caseworker or finance officer would search for and a description drawn from
the contract. An operation missing here is still named in words (its handler's name split,
`Deliver aid`) and described by its handler's docstring; the docs test lists any left bare.
"""

from __future__ import annotations

import re

Words = tuple[str, str]  # (summary, description)

OPERATIONS: dict[tuple[str, str], Words] = {
    ("GET", "/health"): ("Is the process up", "Answers 200 while the process runs (no token)."),
    ("GET", "/ready"): (
        "Is the service ready",
        "200 when the database answers, with how far behind each read model is; else 503.",
    ),
    ("POST", "/families"): (
        "Register a family",
        "Registers a family (KK) with its members; exactly one kepala_keluarga. An active "
        "family with the same kk_number answers 409 duplicate-kk. Caseworkers register only "
        "in their areas.",
    ),
    ("GET", "/families"): (
        "List families",
        "Summaries of families (a read model), filtered by area prefix, programme, KK number "
        "or part of a member's name; ordered by area code, then KK number. Not for finance.",
    ),
    ("GET", "/families/{family_id}"): (
        "Read a family",
        "The family now, or as it stood at an instant (`as_of`) or a version; with members, "
        "aid deliveries, UPPKA memberships and DASHAT enrolments.",
    ),
    ("GET", "/families/{family_id}/history"): (
        "A family's history",
        "Every event of the family in version order: type, when, who, and its data with "
        "members named by NIK (null once the family's personal data was erased).",
    ),
    ("POST", "/families/{family_id}/members"): (
        "Add a member",
        "Adds a member to the family (a birth, a marriage, someone moving in). 409 "
        "duplicate-member when the NIK is already an active member.",
    ),
    ("POST", "/families/{family_id}/members/{nik}/departure"): (
        "Record a member's departure",
        "A member died, moved out, split into a new KK or left otherwise; the head leaving "
        "others behind must name new_head_nik. Ends the member's UPPKA and DASHAT.",
    ),
    ("POST", "/families/{family_id}/members/{nik}/correction"): (
        "Correct a member",
        "Fixes a typo in a member's name, sex or birth date, or replaces a provisional NIK.",
    ),
    ("POST", "/families/{family_id}/relocation"): (
        "Relocate a family",
        "The family moves to another village (and address), maybe with a new KK number.",
    ),
    ("POST", "/families/{family_id}/welfare-assessments"): (
        "Record a welfare assessment",
        "The family's welfare decile (desil 1-10) from DTSEN, PK or a local survey.",
    ),
    ("POST", "/families/{family_id}/aid-deliveries"): (
        "Deliver aid",
        "Records aid handed to the family (or one member) under a programme and period; its "
        "value is drawn from the funding source in the same transaction. 409 "
        "funding-exhausted, funding-not-eligible, funding-closed or duplicate-delivery.",
    ),
    ("POST", "/families/{family_id}/aid-deliveries/{delivery_id}/void"): (
        "Void an aid delivery",
        "Voids a delivery recorded in error, with a reason; its value returns to the source.",
    ),
    ("POST", "/families/{family_id}/uppka-memberships"): (
        "Join an UPPKA group",
        "A member joins an UPPKA (family economic) group.",
    ),
    ("POST", "/families/{family_id}/uppka-memberships/{group_id}/exit"): (
        "Leave an UPPKA group",
        "A member leaves an UPPKA group, on a date, with a reason.",
    ),
    ("POST", "/families/{family_id}/dashat-enrollments"): (
        "Enrol in DASHAT",
        "Enrols a member in a DASHAT kitchen (catin, ibu_hamil, ibu_menyusui, baduta, balita).",
    ),
    ("POST", "/families/{family_id}/dashat-enrollments/{member_nik}/exit"): (
        "End a DASHAT enrolment",
        "The member graduated, moved, died or left DASHAT otherwise.",
    ),
    ("POST", "/families/{family_id}/erasure"): (
        "Erase a family's personal data",
        "UU PDP erasure (admin): names, NIKs, KK number, birth dates and address become null "
        "for ever; deliveries, programmes and figures stay. Ends the family's UPPKA "
        "memberships and DASHAT enrolments on the erasure's date.",
    ),
    ("POST", "/funding-sources"): (
        "Open a funding source",
        "Opens a CSR agreement, an APBD budget line or a DAK allocation with its budget, area, "
        "programmes and fiscal year (finance, admin). 409 duplicate-code.",
    ),
    ("GET", "/funding-sources"): (
        "List funding sources",
        "Funding sources ordered by code, filtered by fiscal year, kind and area (a read model).",
    ),
    ("GET", "/funding-sources/{source_id}"): (
        "Read a funding source",
        "The source with its budget, received, drawn and balance, read from its own events.",
    ),
    ("GET", "/funding-sources/{source_id}/receipts"): (
        "List a funding source's receipts",
        "Every receipt (SP2D or transfer) with its amount, reference and date received, in "
        "position order (finance, auditor, admin).",
    ),
    ("GET", "/funding-sources/{source_id}/history"): (
        "A funding source's history",
        "Every event of the source with its data in full: receipts, draws and their reversals "
        "with delivery and family ids, budget revisions and closure with their reasons.",
    ),
    ("POST", "/funding-sources/{source_id}/receipts"): (
        "Record a receipt",
        "Money received for the source (an SP2D or a transfer), also after closure.",
    ),
    ("POST", "/funding-sources/{source_id}/budget-revisions"): (
        "Revise a budget",
        "A new budget with its reason; never below what was drawn (409 budget-below-drawn).",
    ),
    ("POST", "/funding-sources/{source_id}/closure"): (
        "Close a funding source",
        "No more deliveries draw on it; receipts are still accepted (409 already-closed).",
    ),
    ("POST", "/uppka-groups"): ("Form an UPPKA group", "Forms an UPPKA group in a village."),
    ("GET", "/uppka-groups/{group_id}"): (
        "Read an UPPKA group",
        "The group with its current members (a read model); caseworkers see those in their areas.",
    ),
    ("GET", "/reconciliation"): (
        "Reconciliation report",
        "Per funding source: budget, received, drawn net of voids, voided, balance, unreceived, "
        "and per programme and period; as of now or of an instant. JSON, CSV or Excel.",
    ),
    ("GET", "/coverage"): (
        "Programme coverage",
        "Per village under the area: eligible units, served, not served, deliveries serving no "
        "eligible unit, and the value of the deliveries counted as served; also as CSV or xlsx.",
    ),
    ("GET", "/coverage/due"): (
        "Who is due",
        "The eligible units not yet served, by village and KK number: a kader's list for the "
        "next distribution.",
    ),
    ("GET", "/reconciliation/deliveries"): (
        "List delivery lines",
        "Delivery line items in position order without personal data; filtered by source, "
        "period and programme. As CSV or Excel: every line the filters keep.",
    ),
    ("GET", "/reconciliation/discrepancies"): (
        "List discrepancies",
        "Findings in position order: unreceived-funds (drawn beyond receipts), over-received "
        "(receipts beyond budget), duplicate-recipient (one NIK given a programme twice in a "
        "period through two families).",
    ),
    ("GET", "/audit-trail"): (
        "Audit trail",
        "Every stored event once, in position order, with who caused it and a summary without "
        "personal data; filtered by family, source, actor, event type and time (auditor, admin).",
    ),
    ("GET", "/audit/verify"): (
        "Verify the hash chain",
        "Recomputes the tamper-evidence chain over every stored event and says where it breaks.",
    ),
    ("GET", "/projections"): (
        "Read models' progress",
        "Each read model's position, the store's head and the lag (auditor, admin).",
    ),
    ("GET", "/users"): ("List users", "Users with role, areas and expiry, without tokens (admin)."),
    ("POST", "/users"): (
        "Add a user",
        "Creates a user with a role (and areas for a caseworker); the token is shown only now.",
    ),
    ("GET", "/users/{user_id}"): ("Read a user", "One user, without its token (admin)."),
    ("POST", "/users/{user_id}/revocation"): (
        "Revoke a user's token",
        "The token answers 401 from now on, in every process within 5 seconds (admin).",
    ),
    ("POST", "/programmes/{program}/targets"): (
        "Set a programme target",
        "Who a programme is for in an area and a span of periods (admin); 409 overlapping-target.",
    ),
    ("GET", "/programmes/{program}/targets"): (
        "List a programme's targets",
        "The programme's targets as they stand, with versions and revisions.",
    ),
    ("GET", "/programmes/{program}/targets/{target_id}"): (
        "Read a programme target",
        "The target as it stands, with its version and revisions.",
    ),
    ("POST", "/programmes/{program}/targets/{target_id}/revision"): (
        "Revise a programme target",
        "Changes the target from a period not earlier than the current one (admin).",
    ),
    ("POST", "/programmes/{program}/targets/{target_id}/end"): (
        "End a programme target",
        "The target ends after the given period (admin).",
    ),
}


def words_of(method: str, path: str, handler_summary: str | None) -> Words | None:
    """The table's words, or the handler's name in words (`DeliverAid` → `Deliver aid`)."""
    known = OPERATIONS.get((method, path))
    if known is not None:
        return known
    if handler_summary and " " not in handler_summary:
        spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", handler_summary)
        return spaced[:1] + spaced[1:].lower(), ""
    return None
