"""The search: engines that turn a problem into routes, and the pipeline that chains them.

:mod:`~optimizer.search.pipeline` chooses and chains the engines (what
:func:`optimizer.solve` runs). The engines, one subpackage each, never import
one another: :mod:`~optimizer.search.ortools` (the OR-Tools routing model),
:mod:`~optimizer.search.pyvrp` (PyVRP's iterated local search),
:mod:`~optimizer.search.repair` (fits relaxed routes to the full time rules)
and :mod:`~optimizer.search.rules` (the rules engine). What several engines
read lives beside them: :mod:`~optimizer.search.eligibility` (who may serve
what, and why not) and :mod:`~optimizer.search.index` (the node and vehicle
layout).
"""
