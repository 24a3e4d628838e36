"""Server settings, read from the environment (prefix ``DISPATCH_``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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
    run_jobs: bool = True

    @property
    def is_auth_enabled(self) -> bool:
        """Whether any API key is configured."""
        return bool(self.read_api_keys or self.write_api_keys)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached)."""
    return Settings()
