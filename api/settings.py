"""Server settings, read from the environment (prefix ``DISPATCH_``)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from optimizer import SolveParams


def _split(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split)]


class Settings(BaseSettings):
    """Every knob of the HTTP service.

    Lists (API keys, CORS origins) are comma-separated in the environment,
    e.g. ``DISPATCH_WRITE_API_KEYS=k1,k2``. No key configured at all means
    local development mode: no authentication, and ``dispatch serve`` binds
    127.0.0.1 by default.

    Jobs: a job whose worker dies is queued again until it has been started
    ``job_max_attempts`` times; a worker keeps the best plan so far as soon
    as it has one, then every ``job_checkpoint_s`` seconds of solving
    (unset: 10% of the job's limit, at least 30 s), and a job resumes from
    it after a crash with the time it has left; finished jobs are deleted
    ``job_retention_days`` after they end (0 keeps them); each worker's
    resident memory is capped at ``worker_memory_mb`` (unset: the machine's
    memory over ``job_workers + 1``; 0: no cap; below
    :data:`WORKER_MIN_MEMORY_MB` the server refuses to start); after
    ``worker_start_failures`` failed starts in a row the workers are
    reported failing and queued jobs fail with ``worker_start_failed``. Requests
    whose problem has more than ``max_orders`` work orders or
    ``max_technicians`` technicians are refused (413). A job-store outage
    is answered 503 with ``Retry-After: store_retry_after_s``. Logs are text
    or, with ``log_format="json"`` (``DISPATCH_LOG_FORMAT=json``), one JSON
    object per line, each with its request id (:mod:`api.logs`). The
    dispatch console (``/console``) draws its map offline, routes on a
    projected plane with a scale bar, unless ``map_tiles_url`` is set
    (``DISPATCH_MAP_TILES_URL``, an XYZ template such as
    ``https://tiles.example/{z}/{x}/{y}.png``, credited with
    ``map_tiles_attribution``).
    """

    model_config = SettingsConfigDict(env_prefix="DISPATCH_", extra="ignore")

    database_url: str = "sqlite:///./dispatch.db"
    default_time_limit_s: float = Field(5.0, gt=0)
    max_time_limit_s: float = Field(30.0, gt=0)
    min_search_s: float = Field(0.25, gt=0)
    max_job_time_limit_s: float = Field(3600.0, gt=0)
    max_body_bytes: int = Field(10_000_000, gt=0)
    read_api_keys: CommaList = []
    write_api_keys: CommaList = []
    cors_origins: CommaList = []
    job_workers: int = Field(2, ge=1)
    job_queue_size: int = Field(64, ge=1)
    whatif_workers: int = Field(2, ge=1)
    search_processes: int = Field(1, ge=1)
    executor: Literal["local", "ray"] = "local"
    ray_address: str | None = None
    run_jobs: bool = True
    job_max_attempts: int = Field(3, ge=1)
    job_checkpoint_s: float | None = Field(None, gt=0)
    worker_start_failures: int = Field(3, ge=1)
    job_retention_days: float = Field(30.0, ge=0)
    worker_memory_mb: int | None = Field(None, ge=0)
    max_orders: int = Field(10_000, ge=1)
    max_technicians: int = Field(2_000, ge=1)
    store_retry_after_s: int = Field(5, ge=1)
    log_format: Literal["text", "json"] = "text"
    map_tiles_url: str | None = None
    map_tiles_attribution: str = ""

    def worker_memory_bytes(self) -> int | None:
        """Resident-memory cap of each job worker in bytes; ``None`` for no cap.

        ``worker_memory_mb`` unset: the machine's memory shared by the job
        workers and the server (``job_workers + 1`` parts); 0: no limit.
        """
        if self.worker_memory_mb == 0:
            return None
        if self.worker_memory_mb is not None:
            return self.worker_memory_mb * 2**20
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
            return None
        return int(total // (self.job_workers + 1))

    def search_params(self) -> SolveParams:
        """The search parameters of every solve, besides its time limit and seed."""
        return SolveParams(
            processes=self.search_processes, executor=self.executor, ray_address=self.ray_address
        )

    @property
    def is_auth_enabled(self) -> bool:
        """Whether any API key is configured."""
        return bool(self.read_api_keys or self.write_api_keys)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached)."""
    return Settings()
