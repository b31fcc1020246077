"""The UppkaGroup aggregate: an income-generating group of family-planning acceptor families.

Membership is recorded on each family (JoinedUppka/LeftUppka); the group's member list is a
read model built from those events.
"""

from __future__ import annotations

from uuid import UUID

from casework.aggregates.base import AggregateState, CaseworkAggregate, Cause, Creation


class UppkaGroup(CaseworkAggregate):
    TOPIC = "casework.uppka-group"

    def __init__(self) -> None:
        self.code = ""
        self.name = ""
        self.area_code = ""
        self.business_type = ""

    class Formed(Creation):
        TOPIC = "casework.uppka-group.formed"
        code: str
        name: str
        area_code: str
        business_type: str

        def apply(self, group: UppkaGroup) -> None:
            group.code, group.name = self.code, self.name
            group.area_code, group.business_type = self.area_code, self.business_type

    @classmethod
    def form(
        cls,
        cause: Cause,
        group_id: UUID,
        *,
        code: str,
        name: str,
        area_code: str,
        business_type: str,
    ) -> UppkaGroup:
        return cls._start(
            cls.Formed,
            group_id,
            cause,
            code=code,
            name=name,
            area_code=area_code,
            business_type=business_type,
        )


# What a snapshot keeps: every attribute its events set (store/snapshot_state.py checks it).
class UppkaGroupState(AggregateState):
    code: str
    name: str
    area_code: str
    business_type: str
