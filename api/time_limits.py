"""Time limits of requests: the server's default, its caps, and saying when a cap applied."""

from __future__ import annotations

from api.settings import Settings
from optimizer import Problem
from optimizer.search.pipeline import least_time_limit_s

CAPPED = "time_limit_capped"
"""Warning code of a ``time_limit_s`` lowered to the server's cap."""
BELOW_MINIMUM = "time_limit_below_minimum"
"""Warning code of a ``time_limit_s`` shorter than a large problem's first plan takes."""


def below_minimum_warning(
    limit_s: float, problem: Problem, processes: int, *, field: str = "time_limit_s"
) -> list[dict[str, str]]:
    """A ``time_limit_below_minimum`` ``WarningOut`` when ``limit_s`` is too short for a first plan.

    Problems of more than 2,500 orders are solved in parts, and every part
    needs its first plan whatever the limit (about 2 CPU seconds per 1,000
    orders, shared by the search processes, plus 1 s:
    :func:`optimizer.search.pipeline.least_time_limit_s`). Below that the
    solve still returns a valid plan, later than asked, and says so.
    """
    least_s = least_time_limit_s(problem, processes)
    if limit_s >= least_s:
        return []
    message = (
        f"time_limit_s {limit_s:g} is below the least a problem of "
        f"{len(problem.work_orders):,} orders needs for a first plan with {processes} search "
        f"process(es): about {least_s:g} s; the solve takes about that long."
    )
    return [{"code": BELOW_MINIMUM, "field": field, "message": message}]


def capped_warning(
    requested_s: float | None,
    settings: Settings,
    *,
    is_job: bool = False,
    field: str = "time_limit_s",
) -> list[dict[str, str]]:
    """A ``time_limit_capped`` ``WarningOut`` when ``requested_s`` is above the server's cap.

    Parameters
    ----------
    requested_s
        The request's ``time_limit_s``; ``None`` (the default applies) never warns.
    settings
        The caps: ``max_time_limit_s``, or ``max_job_time_limit_s`` for a job.
    is_job
        Whether the cap is that of background jobs.
    field
        Where ``time_limit_s`` sits in the request body.

    Returns
    -------
    list
        Empty, or one warning naming the asked and the applied limit and the
        variable that sets the cap.
    """
    cap_s = settings.max_job_time_limit_s if is_job else settings.max_time_limit_s
    if requested_s is None or requested_s <= cap_s:
        return []
    variable = "DISPATCH_MAX_JOB_TIME_LIMIT_S" if is_job else "DISPATCH_MAX_TIME_LIMIT_S"
    hint = "" if is_job else "; longer solves belong in POST /v1/jobs"
    message = (
        f"time_limit_s {requested_s:g} is above this server's cap of {cap_s:g} s "
        f"({variable}): the solve ran for {cap_s:g} s{hint}."
    )
    return [{"code": CAPPED, "field": field, "message": message}]
