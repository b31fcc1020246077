"""The domain's words, defined once: aggregates, checks, schemas and projections all read them here.

Each closed set is a `Literal` type (for request schemas and type checking) and the tuple of its
values (for checks that name the allowed values in their message, and for the command line).
The tuple is derived from the type, so the two can never disagree. Adding a value is a change of
the contract: API.md names these sets.
"""

from __future__ import annotations

from typing import Literal, get_args

# Who may do what (API.md "Authentication and roles").
Role = Literal["caseworker", "finance", "auditor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
CASEWORKER: Role = "caseworker"
FINANCE: Role = "finance"
AUDITOR: Role = "auditor"
ADMIN: Role = "admin"

# A funding source is a CSR agreement, an APBD budget line or a DAK allocation.
FundingKind = Literal["CSR", "APBD", "DAK"]
FUNDING_KINDS: tuple[FundingKind, ...] = get_args(FundingKind)

# Programmes money is delivered under (a delivery's `program`, a source's `programs`).
Programme = Literal[
    "ina_kasih", "sembako", "dashat", "mbg", "uppka_modal", "jaminan_kesehatan", "lainnya"
]
PROGRAMS: tuple[Programme, ...] = get_args(Programme)
# The family list's `programs` also names the activities a family takes part in.
UPPKA, DASHAT = "uppka", "dashat"

# A member's sex as the KK records it: laki-laki, perempuan.
Sex = Literal["L", "P"]
SEXES: tuple[Sex, ...] = get_args(Sex)

# A member's relationship to the head of the family, as the KK names it.
Relationship = Literal[
    "kepala_keluarga",
    "suami",
    "istri",
    "anak",
    "menantu",
    "cucu",
    "orang_tua",
    "mertua",
    "famili_lain",
    "lainnya",
]
RELATIONSHIPS: tuple[Relationship, ...] = get_args(Relationship)
HEAD: Relationship = "kepala_keluarga"

# Why a member left the family.
DepartureReason = Literal["died", "moved_out", "split_kk", "other"]
DEPARTURE_REASONS: tuple[DepartureReason, ...] = get_args(DepartureReason)

# Where a welfare decile (desil) assessment came from, and the decile's range.
WelfareSource = Literal["DTSEN", "PK", "local"]
WELFARE_SOURCES: tuple[WelfareSource, ...] = get_args(WelfareSource)
DESIL_MIN, DESIL_MAX = 1, 10

# DASHAT (Dapur Sehat Atasi Stunting): who is enrolled, and why an enrolment ends.
DashatCategory = Literal["catin", "ibu_hamil", "ibu_menyusui", "baduta", "balita"]
DASHAT_CATEGORIES: tuple[DashatCategory, ...] = get_args(DashatCategory)
DashatExitReason = Literal["graduated", "moved", "died", "other"]
DASHAT_EXIT_REASONS: tuple[DashatExitReason, ...] = get_args(DashatExitReason)
# The reason recorded when an erasure ends a membership or an enrolment (never sent by a client).
ERASED = "erased"

# Amounts and counts: far beyond any programme budget or parcel, far below what a database
# integer holds.
MAX_IDR = 10**15
MAX_QUANTITY = 10**6
