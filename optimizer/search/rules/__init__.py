"""The rules engine: greedy dispatch, most urgent first, and the timing of given sequences.

See :mod:`~optimizer.search.rules.greedy`.
"""
