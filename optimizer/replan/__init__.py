"""Real-time re-planning: the events of the day, the residual problem, :func:`reoptimize`.

:mod:`~optimizer.replan.events` reads the events and folds them into the
state of the day, :mod:`~optimizer.replan.residual` builds what is left to
plan (and merges the result back), and :mod:`~optimizer.replan.reoptimize`
chains them around :func:`optimizer.solve`.
"""

from optimizer.replan.events import Event as Event
from optimizer.replan.events import NewOrders as NewOrders
from optimizer.replan.events import OrderCompleted as OrderCompleted
from optimizer.replan.events import OrderStarted as OrderStarted
from optimizer.replan.events import TechnicianPosition as TechnicianPosition
from optimizer.replan.events import TechnicianUnavailable as TechnicianUnavailable
from optimizer.replan.reoptimize import Replan as Replan
from optimizer.replan.reoptimize import ReplanDiff as ReplanDiff
from optimizer.replan.reoptimize import reoptimize as reoptimize
