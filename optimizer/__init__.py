"""Field-service dispatch optimizer: the solver core (no HTTP, no database, no settings).

The public face: the domain and the problem, :func:`solve` with its
parameters and weights, the plan types, :func:`check_plan`,
:func:`compute_kpis`, :func:`plan_cost` and the priority audit
:func:`audit_plan`, :func:`retime_plan` (times hand-edited sequences),
re-planning (:func:`reoptimize` and its events), what-if comparisons,
explanations (fixes of unserved orders :func:`explain_plan`, booking
recommendations :func:`recommend`, the score analysis
:func:`analyse_score`, trade-off curves :func:`tradeoff`), the errors and
the input warnings (:func:`find_warnings`), and the local :class:`Clock` of
a problem. Documents are read and written by :mod:`optimizer.document`,
travel models live in :mod:`optimizer.travel`. How the modules fit
together: ``docs/ARCHITECTURE.md``.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from optimizer.check import Violation as Violation
from optimizer.check import ViolationCode as ViolationCode
from optimizer.check import check_plan as check_plan
from optimizer.clock import Clock as Clock
from optimizer.compare import kpi_deltas as kpi_deltas
from optimizer.compare import solve_document as solve_document
from optimizer.domain import Break as Break
from optimizer.domain import GeoPoint as GeoPoint
from optimizer.domain import Location as Location
from optimizer.domain import MatrixRef as MatrixRef
from optimizer.domain import PlanarPoint as PlanarPoint
from optimizer.domain import Priority as Priority
from optimizer.domain import Shift as Shift
from optimizer.domain import Technician as Technician
from optimizer.domain import Tier as Tier
from optimizer.domain import TimeWindow as TimeWindow
from optimizer.domain import WorkOrder as WorkOrder
from optimizer.errors import DispatchError as DispatchError
from optimizer.errors import DispatchWarning as DispatchWarning
from optimizer.errors import EditWarning as EditWarning
from optimizer.errors import InputError as InputError
from optimizer.errors import InputIssue as InputIssue
from optimizer.errors import SolverError as SolverError
from optimizer.errors import UnknownSkillWarning as UnknownSkillWarning
from optimizer.explain.analysis import ScoreAnalysis as ScoreAnalysis
from optimizer.explain.analysis import ScoreEntry as ScoreEntry
from optimizer.explain.analysis import analyse_score as analyse_score
from optimizer.explain.booking import Booking as Booking
from optimizer.explain.booking import Move as Move
from optimizer.explain.booking import Recommendation as Recommendation
from optimizer.explain.booking import recommend as recommend
from optimizer.explain.changes import apply_fix as apply_fix
from optimizer.explain.fixes import FoundFix as FoundFix
from optimizer.explain.tradeoff import MEASURES as MEASURES
from optimizer.explain.tradeoff import SWEEPS as SWEEPS
from optimizer.explain.tradeoff import Tradeoff as Tradeoff
from optimizer.explain.tradeoff import TradeoffPoint as TradeoffPoint
from optimizer.explain.tradeoff import tradeoff as tradeoff
from optimizer.explain.unserved import explain_plan as explain_plan
from optimizer.explain.unserved import find_fixes as find_fixes
from optimizer.kpis import compute_kpis as compute_kpis
from optimizer.objective import plan_cost as plan_cost
from optimizer.params import SolveParams as SolveParams
from optimizer.plan import Fix as Fix
from optimizer.plan import FixChange as FixChange
from optimizer.plan import FixKind as FixKind
from optimizer.plan import PlacedBreak as PlacedBreak
from optimizer.plan import Plan as Plan
from optimizer.plan import Route as Route
from optimizer.plan import SlaStatus as SlaStatus
from optimizer.plan import SolveStats as SolveStats
from optimizer.plan import Stop as Stop
from optimizer.plan import Unassigned as Unassigned
from optimizer.plan import UnassignedReason as UnassignedReason
from optimizer.problem import Problem as Problem
from optimizer.replan import Event as Event
from optimizer.replan import NewOrders as NewOrders
from optimizer.replan import OrderCompleted as OrderCompleted
from optimizer.replan import OrderStarted as OrderStarted
from optimizer.replan import Replan as Replan
from optimizer.replan import ReplanDiff as ReplanDiff
from optimizer.replan import TechnicianPosition as TechnicianPosition
from optimizer.replan import TechnicianUnavailable as TechnicianUnavailable
from optimizer.replan import reoptimize as reoptimize
from optimizer.search.lns.audit import AuditFinding as AuditFinding
from optimizer.search.lns.audit import audit_plan as audit_plan
from optimizer.search.retime import retime_plan as retime_plan
from optimizer.solve import Phase as Phase
from optimizer.solve import Progress as Progress
from optimizer.solve import solve as solve
from optimizer.validation import find_warnings as find_warnings
from optimizer.variants import AddOrders as AddOrders
from optimizer.variants import AddTechnician as AddTechnician
from optimizer.variants import ChangeShift as ChangeShift
from optimizer.variants import CloseDepot as CloseDepot
from optimizer.variants import Edit as Edit
from optimizer.variants import RemoveTechnician as RemoveTechnician
from optimizer.variants import SetOvertime as SetOvertime
from optimizer.variants import SetWeights as SetWeights
from optimizer.variants import apply_edits as apply_edits
from optimizer.weights import Weights as Weights

try:
    __version__ = _version("field-dispatch")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
