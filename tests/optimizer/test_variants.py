"""What-if edits of problem documents (optimizer.variants): consistent, reported, pure."""

from __future__ import annotations

import copy
from datetime import datetime

import pytest

from optimizer import (
    AddOrders,
    AddTechnician,
    ChangeShift,
    CloseDepot,
    InputError,
    RemoveTechnician,
    SetWeights,
    SolveParams,
    apply_edits,
    check_plan,
    solve,
)
from optimizer.document import load_problem
from scenarios import get_scenario


@pytest.fixture
def lyon() -> dict:
    """The lyon-small document: T-01..T-03, WO-1008 prefers T-02."""
    return get_scenario("lyon-small").load()


def test_remove_technician_leaves_a_valid_problem_and_the_input_untouched(lyon):
    """Removing T-02 drops it and its preference; the base document is not modified."""
    before = copy.deepcopy(lyon)
    edited, warnings = apply_edits(lyon, [RemoveTechnician("T-02")])
    assert lyon == before
    assert [t["id"] for t in edited["technicians"]] == ["T-01", "T-03"]
    assert [w.field for w in warnings] == ["work_orders[7].preferred_technician_ids"]
    problem = load_problem(edited)
    plan = solve(problem, params=SolveParams(time_limit_s=1, solution_limit=50))
    assert check_plan(problem, plan) == []


def test_add_technician_copies_and_changes(lyon):
    """The copy keeps T-01's skills and shifts, takes the new id and the changed name."""
    edited, warnings = apply_edits(lyon, [AddTechnician("T-01", "T-04", {"name": "Temp"})])
    twin = edited["technicians"][-1]
    original = lyon["technicians"][0]
    assert (twin["id"], twin["name"]) == ("T-04", "Temp")
    assert (twin["skills"], twin["shifts"]) == (original["skills"], original["shifts"])
    assert warnings == []


def test_change_shift_set_weights_and_add_orders(lyon):
    """A new shift end, P4 merged into the weights (others kept), and one order appended."""
    end = datetime.fromisoformat("2026-11-23T12:00:00+01:00")
    order = {"id": "WO-2000", "location": {"lat": 45.76, "lon": 4.83}, "service_min": 30}
    edited, _ = apply_edits(
        lyon,
        [
            ChangeShift("T-03", 0, end=end),
            SetWeights({"unassigned_by_priority": {"P4": 0}, "travel_per_hour": 90}),
            SetWeights({"unassigned_by_priority": {"P3": 5}}),
            AddOrders([order]),
        ],
    )
    assert edited["technicians"][2]["shifts"][0]["end"] == "2026-11-23T12:00:00+01:00"
    assert edited["weights"] == {
        "unassigned_by_priority": {"P4": 0, "P3": 5},
        "travel_per_hour": 90,
    }
    assert edited["work_orders"][-1] == order
    assert load_problem(edited).weights.unassigned_by_priority[3] == 5


def test_bad_edits_are_listed_with_their_place(lyon):
    """An unknown technician and a shift out of range are both reported, by index."""
    with pytest.raises(InputError) as caught:
        apply_edits(
            lyon,
            [RemoveTechnician("T-09"), ChangeShift("T-01", 2)],
            field_prefix="variants[0].operations",
        )
    assert [(i.field, i.message) for i in caught.value.issues] == [
        (
            "variants[0].operations[0]",
            "Cannot remove technician T-09: the problem has no technician T-09 "
            "(technicians: T-01, T-02, T-03).",
        ),
        (
            "variants[0].operations[1]",
            "Cannot change shift_index 2 of technician T-01: it has 1 shift(s), numbered from 0.",
        ),
    ]


def test_close_depot_removes_it_and_unknown_depot_is_refused() -> None:
    """close_depot takes the depot out; naming a depot the problem lacks names the operation."""
    doc = {
        "technicians": [],
        "work_orders": [],
        "depots": [
            {"id": "D-1", "location": {"x": 0, "y": 0}},
            {"id": "D-2", "location": {"x": 1, "y": 0}},
        ],
    }
    edited, warnings = apply_edits(doc, [CloseDepot("D-1")])
    assert [d["id"] for d in edited["depots"]] == ["D-2"]
    assert warnings == []
    assert len(doc["depots"]) == 2  # the input is not modified
    with pytest.raises(InputError) as err:
        apply_edits(doc, [CloseDepot("D-9")])
    assert err.value.field == "operations[0]"
    assert err.value.message == (
        "Cannot close depot D-9: the problem has no such depot (depots: D-1, D-2)."
    )
