"""HTTP schemas (pydantic v2, ``extra="forbid"``), one module per resource.

``api.mapping`` is the only module that converts between these and the
solver's domain objects. Each resource's owner re-exports its names here,
in module order: common, health, jobs, plans, reoptimize, scenarios, whatif.
"""

from api.schemas.common import ErrorDetail as ErrorDetail
from api.schemas.common import ErrorOut as ErrorOut
from api.schemas.common import IssueOut as IssueOut
from api.schemas.common import PlanIn as PlanIn
from api.schemas.common import ProblemIn as ProblemIn
from api.schemas.health import HealthOut as HealthOut
from api.schemas.jobs import JobIn as JobIn
from api.schemas.jobs import JobOut as JobOut
from api.schemas.jobs import JobsOut as JobsOut
from api.schemas.jobs import ProgressOut as ProgressOut
from api.schemas.plans import EvaluateOut as EvaluateOut
from api.schemas.plans import EvaluateRequest as EvaluateRequest
from api.schemas.plans import PlanOut as PlanOut
from api.schemas.plans import PlanRequest as PlanRequest
from api.schemas.plans import ViolationOut as ViolationOut
from api.schemas.scenarios import ScenarioOut as ScenarioOut
from api.schemas.scenarios import ScenariosOut as ScenariosOut
from api.schemas.whatif import ReoptimizeOut as ReoptimizeOut
from api.schemas.whatif import ReoptimizeRequest as ReoptimizeRequest
from api.schemas.whatif import WhatIfOut as WhatIfOut
from api.schemas.whatif import WhatIfRequest as WhatIfRequest
