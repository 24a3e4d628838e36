"""The JSON problem and plan documents: reading, writing, their models and their errors.

:mod:`~optimizer.document.io` converts documents to and from the domain and
writes the JSON Schemas, :mod:`~optimizer.document.models` holds the pydantic
document classes (shape and single-field rules), :mod:`~optimizer.document.errors`
turns parse and pydantic errors into one sentence each, and
:mod:`~optimizer.document.travel` reads and writes the travel section.
"""

from optimizer.document.errors import JsonInput as JsonInput
from optimizer.document.errors import json_value as json_value
from optimizer.document.errors import rule_phrase as rule_phrase
from optimizer.document.io import DEFAULT_EPOCH as DEFAULT_EPOCH
from optimizer.document.io import DERIVED_ROUTE_FIELDS as DERIVED_ROUTE_FIELDS
from optimizer.document.io import SCHEMA_DIR as SCHEMA_DIR
from optimizer.document.io import load_problem as load_problem
from optimizer.document.io import main as main
from optimizer.document.io import plan_from_document as plan_from_document
from optimizer.document.io import plan_json_schema as plan_json_schema
from optimizer.document.io import plan_to_document as plan_to_document
from optimizer.document.io import problem_json_schema as problem_json_schema
from optimizer.document.io import problem_to_document as problem_to_document
from optimizer.document.io import schema_files as schema_files
from optimizer.document.models import BreakDoc as BreakDoc
from optimizer.document.models import GeoPointDoc as GeoPointDoc
from optimizer.document.models import IsoDatetime as IsoDatetime
from optimizer.document.models import LocationDoc as LocationDoc
from optimizer.document.models import MatrixRefDoc as MatrixRefDoc
from optimizer.document.models import PlanarPointDoc as PlanarPointDoc
from optimizer.document.models import PlanDoc as PlanDoc
from optimizer.document.models import ProblemDoc as ProblemDoc
from optimizer.document.models import SpeedBandDoc as SpeedBandDoc
from optimizer.document.models import TechnicianDoc as TechnicianDoc
from optimizer.document.models import WeightsDoc as WeightsDoc
from optimizer.document.models import WorkOrderDoc as WorkOrderDoc
