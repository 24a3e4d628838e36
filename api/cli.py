"""The ``dispatch`` command: the core's commands plus ``serve``."""

from __future__ import annotations

import argparse
import sys

from optimizer.cli import build_parser
from optimizer.cli import main as core_main
from scenarios.cli import add_scenarios_command


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.main import create_app
    from api.settings import get_settings

    uvicorn.run(
        create_app(get_settings()), host=args.host, port=args.port, log_level=args.log_level
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``dispatch``: the core's commands, ``serve`` (HTTP API) and ``scenarios``."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    serve = sub.add_parser("serve", help="Start the HTTP API (uvicorn).")
    serve.add_argument("--host", default="127.0.0.1", help="Bind address (default 127.0.0.1).")
    serve.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
    serve.add_argument("--log-level", default="info", help="uvicorn log level (default info).")
    serve.set_defaults(func=_serve)
    add_scenarios_command(sub)
    args = parser.parse_args(argv)
    if args.command in ("serve", "scenarios"):
        return int(args.func(args))
    return core_main(argv)


if __name__ == "__main__":
    sys.exit(main())
