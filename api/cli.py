"""The ``dispatch`` command: the core's commands plus ``serve``."""

from __future__ import annotations

import argparse
import errno
import ipaddress
import logging
import socket
import sys
from pathlib import Path

from optimizer.cli import build_parser
from optimizer.cli import main as core_main
from scenarios.cli import add_scenarios_command


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


UNAUTHENTICATED = (
    "dispatch serve: --host {host} accepts connections from other machines, and no API key "
    "is configured (DISPATCH_READ_API_KEYS / DISPATCH_WRITE_API_KEYS): anyone who can reach "
    "it may read every job and submit work."
)


def port_in_use(host: str, port: int) -> str | None:
    """Why ``host``:``port`` cannot be bound now (in use, no such address), or ``None``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"cannot resolve --host {host}: {exc.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use (another server?)"
            return f"cannot bind {host}:{port}: {exc.strerror}"
    return None


def database_location(url: str) -> str:
    """Where the job store lives, for the start-up line: a SQLite file's absolute path."""
    prefix = "sqlite:///"
    if url.startswith(prefix):
        path = url[len(prefix) :].split("?", 1)[0]
        if path in ("", ":memory:"):
            return "SQLite in memory (jobs are lost at exit)"
        return f"SQLite file {Path(path).resolve()}"
    scheme = url.split("://", 1)[0]
    host = url.rsplit("@", 1)[-1] if "@" in url else url.split("://", 1)[-1]
    return f"{scheme} database at {host}"


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.logs import configure_logging
    from api.main import create_app
    from api.settings import get_settings
    from api.startup import startup_problem

    settings = get_settings()
    if not is_loopback(args.host) and not settings.is_auth_enabled:
        message = UNAUTHENTICATED.format(host=args.host)
        if not args.allow_unauthenticated:
            sys.stderr.write(
                f"{message} Configure API keys, bind 127.0.0.1, or pass "
                "--allow-unauthenticated to serve anyway.\n"
            )
            return 2
        sys.stderr.write(f"WARNING: {message}\n")
    busy = port_in_use(args.host, args.port)
    if busy is not None:  # before the store is opened or migrated
        sys.stderr.write(f"dispatch serve: {busy}; choose another with --port.\n")
        return 2
    problem = startup_problem(settings)
    if problem is not None:
        sys.stderr.write(f"dispatch serve: {problem}\n")
        return 2
    configure_logging(settings.log_format, args.log_level)
    # A record, not a bare line: with DISPATCH_LOG_FORMAT=json every line stays JSON.
    logging.getLogger("api.serve").warning(
        "dispatch serve: jobs stored in %s (DISPATCH_DATABASE_URL to change)",
        database_location(settings.database_url),
    )
    app = create_app(settings)
    try:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            log_config=None,  # the records go through configure_logging's handler
            access_log=False,  # api.logs writes one access record per request, with its id
        )
    finally:  # the what-if workers hold the server's output: they end with it
        app.state.solve_pool.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``dispatch``: the core's commands, ``serve`` (HTTP API) and ``scenarios``."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    serve = sub.add_parser("serve", help="Start the HTTP API (uvicorn).")
    serve.add_argument("--host", default="127.0.0.1", help="Bind address (default 127.0.0.1).")
    serve.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
    serve.add_argument("--log-level", default="info", help="uvicorn log level (default info).")
    serve.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="Serve on a non-loopback --host without API keys (a warning is printed).",
    )
    serve.set_defaults(func=_serve)
    add_scenarios_command(sub)
    args = parser.parse_args(argv)
    if args.command in ("serve", "scenarios"):
        return int(args.func(args))
    return core_main(argv)


if __name__ == "__main__":
    sys.exit(main())
