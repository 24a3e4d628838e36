"""Where a running job stands: the phase of its solve.

``progress_phase`` (``loading``, ``matrices``, ``first_plan``,
``improving``, ``partition``, ``parts``, ``finishing``), and in the
``parts`` phase of a large problem ``progress_part`` of ``progress_parts``
in ``progress_round``.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``progress_phase``, ``progress_part``, ``progress_parts`` and ``progress_round``."""
    op.add_column("jobs", sa.Column("progress_phase", sa.String(16), nullable=True))
    op.add_column("jobs", sa.Column("progress_part", sa.Integer(), nullable=True))
    op.add_column("jobs", sa.Column("progress_parts", sa.Integer(), nullable=True))
    op.add_column("jobs", sa.Column("progress_round", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop the four columns."""
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("progress_round")
        batch.drop_column("progress_parts")
        batch.drop_column("progress_part")
        batch.drop_column("progress_phase")
