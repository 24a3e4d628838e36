"""Named scenarios (bundled problem documents, later seeded generators)."""

from scenarios.registry import Scenario as Scenario
from scenarios.registry import all_scenarios as all_scenarios
from scenarios.registry import get_scenario as get_scenario
from scenarios.registry import register as register
