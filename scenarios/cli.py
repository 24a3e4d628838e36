"""The ``scenarios`` command: ``list``, and ``generate NAME [--seed N] [-o FILE]``.

:func:`add_scenarios_command` adds it to any argparse sub-parsers object
(the ``dispatch`` command line); each sub-command sets ``func`` to a
handler that takes the parsed arguments and returns an exit status (0 ok,
2 bad input). ``python -m scenarios.cli`` runs it on its own.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from scenarios.generators import SCENARIO_SETS, document_text, generate

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
    p_list = sub.add_parser("list", help="Show every scenario set with its size and purpose.")
    p_list.set_defaults(func=run_list)
    p_gen = sub.add_parser("generate", help="Write the problem document of a scenario set.")
    p_gen.add_argument("name", metavar="NAME", help="A set name (see `scenarios list`).")
    p_gen.add_argument(
        "--seed",
        type=int,
        default=None,
        help="Seed (default: the set's own, which gives the committed document).",
    )
    p_gen.add_argument("-o", "--output", help="Write the JSON here (default: standard output).")
    p_gen.set_defaults(func=run_generate)
    return parser


def run_list(args: argparse.Namespace) -> int:
    """Print the scenario sets: name, technicians, orders, days, committed, purpose."""
    table = Table(title="Scenario sets")
    for col in ("name", "technicians", "orders", "days", "committed", "purpose"):
        table.add_column(
            col, justify="right" if col in ("technicians", "orders", "days") else "left"
        )
    for name, entry in SCENARIO_SETS.items():
        p = entry.params
        table.add_row(
            name,
            str(p.n_technicians),
            f"{p.n_orders:,}",
            str(p.n_days),
            "yes" if entry.is_committed else "on demand",
            entry.purpose,
        )
    Console().print(table)
    return EXIT_OK


def run_generate(args: argparse.Namespace) -> int:
    """Generate set ``args.name`` with ``args.seed`` to ``args.output`` or standard output."""
    err = Console(stderr=True)
    if args.name not in SCENARIO_SETS:
        known = ", ".join(SCENARIO_SETS)
        err.print(f"Unknown scenario set: {args.name}. Known sets: {known}.", highlight=False)
        return EXIT_BAD_INPUT
    try:
        text = document_text(generate(args.name, seed=args.seed))
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
