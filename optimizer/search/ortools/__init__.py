"""The OR-Tools routing engine: one builder module per family of rules, and the extraction.

:mod:`~optimizer.search.ortools.builder` assembles the model from
:mod:`~optimizer.search.ortools.time` (shifts, windows, SLA deadlines, breaks,
work limit), :mod:`~optimizer.search.ortools.capacity` (order, travel and
van-stock limits) and :mod:`~optimizer.search.ortools.costs` (objective terms,
allowed vehicles); :mod:`~optimizer.search.ortools.extract` turns a solution
into timed routes.
"""
