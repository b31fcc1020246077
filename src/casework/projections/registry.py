"""Every projection casework runs, by name (`casework project run NAME`, `/projections`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from casework.coverage.projection import CoverageProjection
from casework.projections.audit_trail import AuditTrailProjection
from casework.projections.base import Projection
from casework.projections.family_index import FamilyIndexProjection
from casework.projections.funding_ledger import FundingLedgerProjection
from casework.projections.funding_sources_list import FundingSourcesListProjection
from casework.projections.recipients import RecipientsProjection


def all_projections(zone: ZoneInfo | None = None) -> list[Projection]:
    """`zone`: the deployment's time zone (default: as CASEWORK_TIME_ZONE says)."""
    return [
        AuditTrailProjection(),
        FamilyIndexProjection(),
        FundingSourcesListProjection(),
        FundingLedgerProjection(),
        RecipientsProjection(),
        CoverageProjection(zone),
    ]


def projection_names() -> list[str]:
    return [projection.name for projection in all_projections()]


def by_name(name: str) -> Projection:
    for projection in all_projections():
        if projection.name == name:
            return projection
    raise KeyError(name)
