"""Exception and warning hierarchy of the dispatch engine."""

from __future__ import annotations

from dataclasses import dataclass


class DispatchError(Exception):
    """Base class of every error raised by the dispatch engine."""


@dataclass(frozen=True, slots=True)
class InputIssue:
    """One problem found in the input.

    Parameters
    ----------
    field
        Path of the offending field in the problem document, for example
        ``work_orders[3].windows[0]``.
    message
        One sentence naming the entity, its id, the rule and the bad value.
    """

    field: str
    message: str


class InputError(DispatchError, ValueError):
    """The problem is invalid; ``issues`` lists every problem found.

    ``field`` and ``message`` are those of the first issue, for callers that
    report a single error.
    """

    def __init__(self, issues: list[InputIssue] | tuple[InputIssue, ...]) -> None:
        if not issues:
            raise ValueError("InputError needs at least one issue.")
        self.issues: tuple[InputIssue, ...] = tuple(issues)
        self.field = self.issues[0].field
        self.message = self.issues[0].message
        super().__init__("\n".join(f"{i.field}: {i.message}" for i in self.issues))

    @classmethod
    def single(cls, field: str, message: str) -> InputError:
        """Build an error holding exactly one issue."""
        return cls([InputIssue(field, message)])


class SolverError(DispatchError):
    """The solver could not produce any plan at all (not even an empty one)."""


class DispatchWarning(UserWarning):
    """Legal but suspicious input, for example a skill that no technician has.

    Parameters
    ----------
    field
        Path of the field concerned in the problem document, e.g.
        ``work_orders[3].required_skills.hvack``.
    message
        One sentence naming the entity, its id and what looks wrong.

    ``code`` is a stable machine-readable name of the kind of warning.
    """

    code = "warning"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class UnknownSkillWarning(DispatchWarning):
    """A work order requires a skill that no technician has (often a typo)."""

    code = "unknown_skill"


class UnknownToolWarning(UnknownSkillWarning):
    """A work order requires a tool that no technician carries and no depot has."""

    code = "unknown_tool"


class EditWarning(DispatchWarning):
    """A what-if edit changed more than it names, e.g. references to a removed technician."""

    code = "references_removed"
