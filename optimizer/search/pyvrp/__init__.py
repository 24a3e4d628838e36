"""The PyVRP engine: the search stage, the multi-process portfolio, route recombination.

:mod:`~optimizer.search.pyvrp.stage` translates the problem into PyVRP's
model (exact or relaxed fidelity), :mod:`~optimizer.search.pyvrp.portfolio`
runs the searches in rounds and processes, and
:mod:`~optimizer.search.pyvrp.route_pool` recombines their routes.
"""
