"""Checks made before the server starts, each failure said in one line (``dispatch serve`` exits 2).

:func:`startup_problem` refuses a worker memory cap below what a job
worker needs (:data:`WORKER_MIN_MEMORY_MB`), and a job store that cannot be
opened, migrated and written: a SQLite file whose folder is missing or
read-only, a read-only file, a database that refuses the connection.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

from api.jobs.store import JobStore
from api.settings import Settings

WORKER_MIN_MEMORY_MB = 256
"""Least resident memory a job worker may be capped at: it needs about 120 MB to start
(Python, NumPy, OR-Tools, PyVRP, SQLAlchemy) and the rest to solve a small day."""


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__).rstrip(".")


def _sqlite_problem(url: str) -> str | None:
    """Why the SQLite file of ``url`` cannot be written, checked on the file system."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).resolve()
    folder = path.parent
    if not folder.is_dir():
        return f"the job store's folder {folder} does not exist"
    if path.exists() and not os.access(path, os.W_OK):
        return f"the job store {path} is read-only"
    if not path.exists() and not os.access(folder, os.W_OK):
        return f"the job store's folder {folder} is read-only, so {path.name} cannot be created"
    return None


def startup_problem(settings: Settings) -> str | None:
    """Why the server cannot start with ``settings``, in one sentence; ``None`` when it can.

    Opens the job store, migrates it and writes its probe row, so that the
    server's own start does not fail on it with a traceback.
    """
    cap = settings.worker_memory_mb
    if settings.run_jobs and cap and cap < WORKER_MIN_MEMORY_MB:
        return (
            f"DISPATCH_WORKER_MEMORY_MB={cap} is below the {WORKER_MIN_MEMORY_MB} MB a job "
            "worker needs to start and solve a small day; raise it, or set 0 for no cap."
        )
    url = settings.database_url
    where = url
    if url.startswith("sqlite"):
        problem = _sqlite_problem(url)
        if problem is not None:
            return f"Cannot open the job store: {problem} (DISPATCH_DATABASE_URL={url})."
        where = str(Path(make_url(url).database or "").resolve())
    else:
        where = make_url(url).render_as_string(hide_password=True)
    store = None
    try:
        store = JobStore(url)
        store.migrate()
        store.probe_write()
    except Exception as exc:
        return f"Cannot open the job store {where}: {_first_line(exc)}."
    finally:
        if store is not None:
            store.close()
    return None
