"""Alembic migrations of the job store, shipped inside the package (see :mod:`api.jobs.schema`)."""
