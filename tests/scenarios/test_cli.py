"""The ``scenarios list`` / ``scenarios generate`` command."""

from __future__ import annotations

import argparse
import json

from optimizer.document import load_problem
from scenarios import all_scenarios, get_scenario
from scenarios.cli import EXIT_BAD_INPUT, EXIT_OK, add_scenarios_command, main
from scenarios.generators import SCENARIO_SETS, generate


def test_generate_writes_the_document_of_the_seed(tmp_path):
    """generate NAME --seed N -o FILE writes generate(NAME, N), which loads cleanly."""
    out = tmp_path / "week-3.json"
    assert main(["generate", "metro-small", "--seed", "3", "-o", str(out)]) == EXIT_OK
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document == generate("metro-small", seed=3)
    assert len(load_problem(document).work_orders) == 50


def test_generate_without_output_prints_the_default_seed(capsys):
    """Without -o the JSON goes to standard output; no --seed means the committed document."""
    assert main(["generate", "skills-scarce"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out) == generate("skills-scarce")


def test_generate_rejects_unknown_names_and_negative_seeds(capsys):
    """An unknown set or a negative seed exits 2 with one sentence on standard error."""
    assert main(["generate", "atlantis"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "Unknown scenario: atlantis. Known scenarios: " in err
    assert "lyon-small, metro-busy" in err
    assert main(["generate", "week", "--seed", "-1"]) == EXIT_BAD_INPUT
    assert "Invalid scenario parameter seed: -1" in capsys.readouterr().err


def test_list_names_every_set(capsys):
    """scenarios list prints every set name."""
    assert main(["list"]) == EXIT_OK
    out = capsys.readouterr().out
    assert all(name in out for name in SCENARIO_SETS)


def test_list_matches_the_api_registry_lyon_small_included(capsys):
    """scenarios list --json names exactly the registry's scenarios (GET /v1/scenarios)."""
    assert main(["list", "--json"]) == EXIT_OK
    listed = json.loads(capsys.readouterr().out)
    names = [row["name"] for row in listed["data"]]
    assert names == [s.name for s in all_scenarios()]
    lyon = next(row for row in listed["data"] if row["name"] == "lyon-small")
    assert (lyon["technicians"], lyon["work_orders"], lyon["source"]) == (3, 12, "bundled")


def test_list_piped_is_not_cut_at_80_columns(capsys):
    """Piped output keeps every purpose whole on one line (no 80-column wrapping)."""
    assert main(["list"]) == EXIT_OK
    out = capsys.readouterr().out
    assert all(s.purpose in out for s in all_scenarios())
    assert max(len(line) for line in out.splitlines()) > 80


def test_generate_lyon_small_writes_the_bundled_document(capsys):
    """generate lyon-small prints the committed document; a --seed is refused (exit 2)."""
    assert main(["generate", "lyon-small"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out) == get_scenario("lyon-small").load()
    assert main(["generate", "lyon-small", "--seed", "2"]) == EXIT_BAD_INPUT
    assert "lyon-small is a bundled document, not a seeded generator" in capsys.readouterr().err


def test_hooks_into_another_parser():
    """add_scenarios_command adds `scenarios` to an existing sub-parsers object."""
    parser = argparse.ArgumentParser(prog="dispatch")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("solve")
    add_scenarios_command(sub)
    args = parser.parse_args(["scenarios", "generate", "week", "--seed", "2"])
    assert (args.command, args.name, args.seed, args.output) == ("scenarios", "week", 2, None)
    assert callable(args.func)
