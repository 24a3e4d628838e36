"""The ``scenarios`` command: ``list [--json]``, and ``generate NAME [--seed N] [-o FILE]``.

:func:`add_scenarios_command` adds it to any argparse sub-parsers object
(the ``dispatch`` command line); each sub-command sets ``func`` to a
handler that takes the parsed arguments and returns an exit status (0 ok,
2 bad input). ``python -m scenarios.cli`` runs it on its own. Both list
every scenario of the registry (:mod:`scenarios.registry`), as
``GET /v1/scenarios`` does: the seeded generator sets and the bundled
documents such as ``lyon-small``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from optimizer.cli import full_width_console
from scenarios.generators import SCENARIO_SETS, document_text, generate
from scenarios.registry import all_scenarios, get_scenario, scenario_summaries

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def add_scenarios_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``scenarios list`` and ``scenarios generate`` to ``subparsers``.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers()``.

    Returns
    -------
    argparse.ArgumentParser
        The ``scenarios`` parser; its sub-commands set ``func``.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "scenarios", help="List the named scenario sets or generate one as a problem document."
    )
    sub = parser.add_subparsers(dest="scenarios_command", required=True, metavar="COMMAND")
    p_list = sub.add_parser("list", help="Show every scenario with its size and purpose.")
    p_list.add_argument("--json", action="store_true", help="Print the list as JSON.")
    p_list.set_defaults(func=run_list)
    p_gen = sub.add_parser("generate", help="Write the problem document of a scenario set.")
    p_gen.add_argument("name", metavar="NAME", help="A set name (see `scenarios list`).")
    p_gen.add_argument(
        "--seed",
        type=int,
        default=None,
        help="Seed of a generator set (default: the set's own, which gives the committed "
        "document); bundled documents such as lyon-small have none.",
    )
    p_gen.add_argument("-o", "--output", help="Write the JSON here (default: standard output).")
    p_gen.set_defaults(func=run_generate)
    return parser


def run_list(args: argparse.Namespace) -> int:
    """Print every scenario: name, technicians, orders, days, source and purpose."""
    rows = scenario_summaries()
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps({"data": rows, "count": len(rows)}, indent=2) + "\n")
        return EXIT_OK
    table = Table(title="Scenarios")
    numeric = ("technicians", "orders", "days")
    for col in ("name", "technicians", "orders", "days", "source", "purpose"):
        table.add_column(col, justify="right" if col in numeric else "left")
    for row in rows:
        table.add_row(
            row["name"],
            str(row["technicians"]),
            f"{row['work_orders']:,}",
            str(row["days"]),
            row["source"],
            row["purpose"],
        )
    full_width_console().print(table)
    return EXIT_OK


def _document_of(name: str, seed: int | None) -> str:
    """The JSON text of scenario ``name``; ``ValueError`` for a bad seed or unknown name."""
    if name in SCENARIO_SETS:
        return document_text(generate(name, seed=seed))
    scenario = get_scenario(name)  # KeyError when unknown
    if seed is not None:
        raise ValueError(
            f"Scenario {name} is a bundled document, not a seeded generator: --seed does not apply."
        )
    return document_text(scenario.load())


def run_generate(args: argparse.Namespace) -> int:
    """Write scenario ``args.name`` (with ``args.seed``) to ``args.output`` or standard output."""
    err = full_width_console(stderr=True)
    try:
        text = _document_of(args.name, args.seed)
    except KeyError:
        known = ", ".join(s.name for s in all_scenarios())
        err.print(f"Unknown scenario: {args.name}. Known scenarios: {known}.", highlight=False)
        return EXIT_BAD_INPUT
    except ValueError as exc:
        err.print(f"Error: {exc}", highlight=False)
        return EXIT_BAD_INPUT
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            err.print(f"Cannot write {args.output}: {exc.strerror}.", highlight=False)
            return EXIT_BAD_INPUT
        err.print(f"wrote {args.output}", highlight=False)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``scenarios ...`` on its own (``python -m scenarios.cli list``)."""
    parser = argparse.ArgumentParser(prog="python -m scenarios.cli")
    add_scenarios_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["scenarios", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
