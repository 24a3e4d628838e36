"""Assemble the OR-Tools routing model from the rule builders."""

from __future__ import annotations

from ortools.constraint_solver import pywrapcp

from optimizer.problem import Problem
from optimizer.search.eligibility import Eligibility
from optimizer.search.index import ModelIndex
from optimizer.search.ortools import capacity, costs, time
from optimizer.search.ortools.context import ModelContext
from optimizer.weights import Weights


def build_shell(
    problem: Problem, weights: Weights, eligibility: Eligibility, index: ModelIndex
) -> ModelContext:
    """The routing model's nodes and allowed vehicles, with no rules or costs yet.

    :func:`build_model` completes it.
    """
    manager = pywrapcp.RoutingIndexManager(
        index.n_nodes, len(index.vehicles), index.starts, index.ends
    )
    routing = pywrapcp.RoutingModel(manager)
    ctx = ModelContext(problem, weights, index, manager, routing)
    costs.add_allowed_vehicles(ctx, eligibility.allowed)
    return ctx


def build_model(
    problem: Problem, weights: Weights, eligibility: Eligibility, index: ModelIndex
) -> ModelContext:
    """Build the routing model for the orders laid out in ``index``.

    Every order in ``index`` must have at least one allowed vehicle in
    ``eligibility``.
    """
    ctx = build_shell(problem, weights, eligibility, index)
    time.add_time_dimension(ctx)
    time.add_shift_bounds(ctx)
    time.add_appointment_windows(ctx)
    time.add_sla_deadlines(ctx)
    time.add_breaks(ctx)
    time.add_work_limit(ctx)
    if capacity.needs_travel_dimension(ctx):
        capacity.add_travel_dimension(ctx)
    capacity.add_order_limit(ctx)
    capacity.add_van_stock(ctx)
    costs.add_travel_cost(ctx)
    costs.add_unassigned_penalties(ctx)
    costs.add_technician_affinity(ctx)
    costs.add_workload_balance(ctx)
    costs.add_labor_cost(ctx)
    return ctx
