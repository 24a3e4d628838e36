"""Route repair: make routes from a simplified search fit the full time rules.

See :mod:`~optimizer.search.repair.routes`.
"""
