"""Crash recovery, failure reasons and the health probe.

The best plan so far (``checkpoint``), the failure code of a job, and the
one-row ``store_probe`` table that ``/healthz`` writes.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``checkpoint``, ``checkpoint_elapsed_s``, ``error_code``; create ``store_probe``."""
    op.add_column("jobs", sa.Column("checkpoint", sa.Text(), nullable=True))
    op.add_column("jobs", sa.Column("checkpoint_elapsed_s", sa.Float(), nullable=True))
    op.add_column("jobs", sa.Column("error_code", sa.String(32), nullable=True))
    op.create_table(
        "store_probe",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop ``store_probe`` and the three columns."""
    op.drop_table("store_probe")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("error_code")
        batch.drop_column("checkpoint_elapsed_s")
        batch.drop_column("checkpoint")
