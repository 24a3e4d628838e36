"""The independent plan validator: :func:`check_plan` lists every rule a plan breaks.

:mod:`~optimizer.check.rules` holds the rules and :mod:`~optimizer.check.timing`
the timing arithmetic they recompute. Both import only the domain, the plan
and the travel models, never the search, so a bug in an engine cannot hide
itself here: this is the reference encoding of every rule.
"""

from optimizer.check.rules import Violation as Violation
from optimizer.check.rules import ViolationCode as ViolationCode
from optimizer.check.rules import check_plan as check_plan
from optimizer.check.rules import is_valid as is_valid
