"""Domain errors: what a command can refuse, in words the HTTP layer maps in one place."""

from __future__ import annotations

from dataclasses import dataclass, field


class InvalidValue(ValueError):
    """A single value breaks a rule; the caller knows which field it came from."""


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class CaseworkError(Exception):
    """Base of every refusal a command or query can answer with."""


@dataclass
class ValidationFailed(CaseworkError):
    """One or more fields of a command are invalid (HTTP 422)."""

    problems: list[FieldProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{p.field}: {p.message}" for p in self.problems)


class OutsideCell(ValidationFailed):
    """An area this cell does not serve (HTTP 422, type `outside-cell`): the thing belongs to
    the cell whose CASEWORK_CELL_AREAS cover it (casework.cell.boundary)."""


class NotFound(CaseworkError):
    """The aggregate does not exist (or did not exist at the asked instant)."""


@dataclass
class Conflict(CaseworkError):
    """A business rule refuses the command (HTTP 409); `kind` names the rule."""

    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


@dataclass
class StaleVersion(CaseworkError):
    """The client pinned a version that is no longer current (HTTP 412)."""

    expected: int
    actual: int

    def __str__(self) -> str:
        return f"expected version {self.expected}, current is {self.actual}"
