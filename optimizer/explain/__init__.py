"""Explanations and recommendations on top of the search: what would serve each unserved order.

Built from the search's blocks (eligibility, the node index, the timing
routine, the large-neighbourhood search's priced routes) and checked by the
independent validator; nothing below this package imports it.
"""
