"""Rich consoles of the command line: tables at full width when the output is piped."""

from __future__ import annotations

from rich.console import Console


def full_width_console(*, stderr: bool = False) -> Console:
    """A console for tables: the terminal's width, or unlimited when the output is piped.

    Rich would cut tables at 80 columns when the output is not a terminal;
    a file or a pipe gets every column in full instead.

    Parameters
    ----------
    stderr
        Write to standard error instead of standard output (default ``False``).
    """
    console = Console(stderr=stderr)
    if not console.is_terminal:
        console = Console(stderr=stderr, width=10_000)
    return console
