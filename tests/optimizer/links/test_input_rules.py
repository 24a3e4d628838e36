"""Input rules of crews and dependencies: each broken rule is an error naming its field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from optimizer.document import load_problem, problem_to_document
from optimizer.errors import InputError

SHIFT = {"start": "2026-01-05T08:00:00+01:00", "end": "2026-01-05T17:00:00+01:00"}


def _doc() -> dict[str, Any]:
    return {
        "technicians": [
            {
                "id": "T1",
                "skills": {"elec": 3},
                "shifts": [SHIFT],
                "start": {"lat": 48.85, "lon": 2.35},
            },
            {
                "id": "T2",
                "skills": {"elec": 1},
                "shifts": [SHIFT],
                "start": {"lat": 48.85, "lon": 2.36},
            },
        ],
        "work_orders": [
            {
                "id": "A",
                "location": {"lat": 48.86, "lon": 2.35},
                "service_min": 60,
                "crew_size": 2,
                "crew_member_skills": [{"elec": 3}, {}],
                "crew_sync_tolerance_min": 5,
            },
            {
                "id": "B",
                "location": {"lat": 48.86, "lon": 2.34},
                "service_min": 30,
                "dependencies": [{"after": "A", "min_delay_min": 30, "max_delay_min": 120}],
            },
            {"id": "C", "location": {"lat": 48.87, "lon": 2.34}, "service_min": 30},
        ],
    }


def test_crews_and_dependencies_are_read_and_written_back() -> None:
    problem = load_problem(_doc())
    a, b, c = problem.work_orders
    assert a.crew is not None and a.crew_size == 2 and a.crew.sync_tolerance_s == 300
    assert a.member_requirements() == ({"elec": 3}, {})
    assert b.dependencies[0].min_delay_s == 1800 and b.dependencies[0].max_delay_s == 7200
    assert c.crew is None and c.crew_size == 1 and not c.dependencies
    again = load_problem(problem_to_document(problem))
    assert again.work_orders == problem.work_orders


def test_orders_without_links_keep_their_document_unchanged() -> None:
    doc = problem_to_document(load_problem(_doc()))
    assert "crew_size" not in doc["work_orders"][2]
    assert "dependencies" not in doc["work_orders"][2]


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


A, B, C = ("work_orders", 0), ("work_orders", 1), ("work_orders", 2)


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        (_set([*A, "crew_size"], 4), "work_orders[0].crew_size", "3"),
        (_set([*A, "crew_size"], 1), "work_orders[0].crew_size", "2"),
        (_set([*A, "crew_member_skills"], [{}]), "work_orders[0].crew_member_skills", "one"),
        (
            _set([*A, "crew_member_skills"], [{"elec": 3}, {"elec": 2}]),
            "work_orders[0].crew_size",
            "qualified",
        ),
        (_set([*A, "pinned_technician_id"], "T1"), None, None),
        (_set([*A, "excluded_technician_ids"], ["T2"]), "work_orders[0].crew_size", "T1"),
        (_set([*A, "parts"], {"pump": 1}), "work_orders[0].parts", "one-technician"),
        (_set([*B, "dependencies", 0, "after"], "Z"), "work_orders[1].dependencies[0].after", "Z"),
        (
            _set([*B, "dependencies", 0, "after"], "B"),
            "work_orders[1].dependencies[0].after",
            "itself",
        ),
        (
            _set([*B, "dependencies", 0, "max_delay_min"], 10),
            "work_orders[1].dependencies[0].max_delay_min",
            "shorter",
        ),
        (
            _set([*A, "dependencies"], [{"after": "B"}]),
            "work_orders[1].dependencies[0].after",
            "cycle",
        ),
        (
            _set([*B, "dependencies", 0, "same_technician"], True),
            "work_orders[1].dependencies[0].same_technician",
            "crew",
        ),
    ],
)
def test_each_broken_rule_names_its_field(
    edit: Callable[[dict[str, Any]], None], field: str | None, words: str | None
) -> None:
    doc = copy.deepcopy(_doc())
    edit(doc)
    if field is None:
        load_problem(doc)  # a pin to a qualified technician is fine
        return
    with pytest.raises(InputError) as err:
        load_problem(doc)
    fields = [issue.field for issue in err.value.issues]
    assert field in fields, err.value.issues
    issue = err.value.issues[fields.index(field)]
    assert words is not None and words in issue.message


def test_a_pin_contradicting_a_same_technician_link_is_refused() -> None:
    doc = _doc()
    doc["work_orders"][2]["pinned_technician_id"] = "T1"
    doc["work_orders"].append(
        {
            "id": "D",
            "location": {"lat": 48.87, "lon": 2.33},
            "service_min": 30,
            "pinned_technician_id": "T2",
            "dependencies": [{"after": "C", "same_technician": True}],
        }
    )
    with pytest.raises(InputError) as err:
        load_problem(doc)
    assert err.value.field == "work_orders[3].dependencies[0].same_technician"
    assert "pinned to T1" in err.value.message


def test_a_long_cycle_is_named_in_order() -> None:
    doc = _doc()
    doc["work_orders"][0]["dependencies"] = [{"after": "C"}]
    doc["work_orders"][2]["dependencies"] = [{"after": "B"}]
    with pytest.raises(InputError) as err:
        load_problem(doc)
    assert "cycle" in err.value.message
    assert err.value.field.endswith(".dependencies[0].after")
