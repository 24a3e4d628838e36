"""The search: engines that turn a problem into routes, and the pipeline that chains them.

:mod:`~optimizer.search.pipeline` chooses and chains the engines (what
:func:`optimizer.solve` runs). The engines, one subpackage each, never import
one another: :mod:`~optimizer.search.lns` (the large-neighbourhood search on
the real objective, with the priority audit), :mod:`~optimizer.search.ortools`
(the OR-Tools routing model), :mod:`~optimizer.search.pyvrp` (PyVRP's iterated
local search) and :mod:`~optimizer.search.rules` (the rules engine). What
several engines read lives beside them: :mod:`~optimizer.search.eligibility`
(who may serve what, and why not), :mod:`~optimizer.search.index` (the node
and vehicle layout), :mod:`~optimizer.search.prepare` (both, with exact
one-order fits), :mod:`~optimizer.search.timing` (the one timing routine),
:mod:`~optimizer.search.writer` (routes to a plan) and
:mod:`~optimizer.search.executor` (worker processes).
"""
