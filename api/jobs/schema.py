"""Schema migrations of the job store with Alembic, shipped inside the package.

:func:`migrate` brings a database to the newest revision (``head``) and
records it in Alembic's ``alembic_version`` table. A database created by
earlier releases with ``create_all`` has a ``jobs`` table and no version:
it is adopted, stamped at the first revision (the schema those releases
created), then upgraded, keeping every row. The revisions are in
``api/jobs/migrations/versions`` and travel in the wheel, so an installed
server migrates its own database at start.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
"""The Alembic script directory."""

BASELINE = "0001"
"""The revision of the schema that ``create_all`` made before migrations existed."""


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped with this package."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def schema_version(engine: Engine) -> str | None:
    """The revision recorded in the database, or ``None`` for an unversioned one."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> str:
    """Bring the database to the newest revision; adopt a ``create_all`` database first.

    Returns
    -------
    str
        The revision the database is at afterwards.
    """
    with engine.begin() as conn:
        tables = set(inspect(conn).get_table_names())
        config = _config(conn)
        if "jobs" in tables and "alembic_version" not in tables:
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")
    return head_revision()
