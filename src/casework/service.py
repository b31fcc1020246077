"""The composition of the application service: one object, the whole write API."""

from __future__ import annotations

from casework.commands.aid import AidCommands
from casework.commands.erasure import ErasureCommands
from casework.commands.funding import FundingCommands
from casework.commands.targets import TargetCommands
from casework.commands.uppka import UppkaCommands


class Casework(AidCommands, ErasureCommands, UppkaCommands, FundingCommands, TargetCommands):
    """Commands on families, funding sources and UPPKA groups, and single-aggregate queries.

    Methods take ids and plain values, save related aggregates together, and return `Saved`
    (id, new version, last position, warnings).
    """
