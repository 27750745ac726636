"""Settings: one pydantic-settings class, read through :func:`get_settings`.

Every value can be set by an environment variable with the ``KOLGRAPH_``
prefix (``KOLGRAPH_DB=/data/kol.db``) or in a ``.env`` file in the working
directory. Nothing else in kolgraph reads or writes ``os.environ``:
:func:`export_environment` hands settings to child processes (the API's workers).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["ENV_PREFIX", "Settings", "export_environment", "get_settings"]

#: Prefix of every kolgraph environment variable.
ENV_PREFIX = "KOLGRAPH_"


class Settings(BaseSettings):
    """All kolgraph settings (env prefix ``KOLGRAPH_``)."""

    model_config = SettingsConfigDict(
        env_prefix="KOLGRAPH_", env_file=".env", extra="ignore", validate_default=True
    )

    env: Literal["development", "production"] = "development"
    store: Literal["sqlite", "neo4j"] = Field(
        "sqlite", description="Which store backend to use: the embedded default or Neo4j."
    )
    db: Path = Field(Path("kolgraph.db"), description="Path of the embedded SQLite store.")
    batch_size: int = Field(50_000, ge=1, description="Rows per write batch.")

    neo4j_uri: str | None = None
    neo4j_user: str | None = None
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "neo4j"
    neo4j_connect_timeout: float = Field(
        30.0, gt=0, description="Seconds to wait for Neo4j at start (retrying)."
    )

    # ranking
    damping: float = Field(0.85, gt=0.0, lt=1.0)
    repost_weight: float = Field(1.0, ge=0.0, description="Weight of a repost edge vs a follow.")
    leiden_seed: int = 42
    overlap_top_k: int = Field(300, ge=2, le=5000)
    spark_master: str = Field(
        "local[*]",
        description="Spark master of `rank --engine spark` (local[*], spark://, k8s://).",
    )
    spark_conf: dict[str, str] = Field(
        default_factory=dict,
        description="Spark configuration of `rank --engine spark`, as JSON "
        '(KOLGRAPH_SPARK_CONF={"spark.executor.memory": "8g"}).',
    )
    spark_source: str = Field(
        "store",
        description="Where `rank --engine spark` reads the graph: store, neo4j or parquet:DIR.",
    )

    # planning: cost model used when an account has no cost of its own
    cost_per_1k_audience: float = Field(
        8.0, gt=0.0, description="Estimated cost per post per 1,000 audience (CPM-like)."
    )
    min_cost: float = Field(50.0, ge=0.0, description="Floor of an estimated cost per post.")
    auto_kol: int = Field(
        200,
        ge=0,
        description="When no account is labelled kol, treat this many top accounts as KOLs.",
    )

    # crawling
    crawl_rpm: int = Field(
        60,
        ge=0,
        description="Hard cap on requests per minute per host (0 = no cap, e.g. for a simulator).",
    )
    crawl_min_delay: float = Field(
        1.0, ge=0.0, description="Smallest pause between two requests to one host, in seconds."
    )
    crawl_max_delay: float = Field(
        60.0, gt=0.0, description="Largest pause the adaptive throttle may choose, in seconds."
    )
    crawl_timeout: float = Field(20.0, gt=0.0, description="Seconds before a request times out.")
    crawl_retries: int = Field(
        5, ge=0, description="Retries of a transient failure (transport, 408, 429, 5xx)."
    )
    crawl_backoff: float = Field(
        2.0, gt=0.0, description="Base of the exponential backoff between retries, in seconds."
    )
    crawl_backoff_max: float = Field(300.0, gt=0.0, description="Longest backoff, in seconds.")
    crawl_archive: Path = Field(
        Path("crawl-archive"), description="Directory of the raw JSONL.gz page archive."
    )
    crawl_kol_followers: int = Field(
        100_000,
        ge=0,
        description="An unverified crawled account with this many followers is stored as a KOL.",
    )
    user_id_salt: SecretStr | None = Field(
        None,
        description="When set, ids of ordinary users (kind user) are stored as salted hashes.",
    )
    weibo_cookie: SecretStr | None = Field(None, description="Cookie header for m.weibo.cn.")
    x_bearer_token: SecretStr | None = Field(None, description="X API v2 bearer token.")
    bilibili_cookie: SecretStr | None = Field(
        None, description="Cookie header for api.bilibili.com (SESSDATA=...)."
    )

    # service
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    page_size_max: int = Field(500, ge=1, le=10_000)
    api_auth: Literal["auto", "on", "off"] = Field(
        "auto",
        description="API keys required: on, off, or auto (on, except `kolgraph serve` on a "
        "loopback address).",
    )
    api_rate_per_minute: int = Field(
        1200,
        ge=0,
        description="Requests per minute per API key (per client without auth); 0 = none.",
    )
    api_rate_burst: int = Field(
        120, ge=1, description="Requests a key may send at once before the per-minute rate applies."
    )
    api_max_body_bytes: int = Field(
        16_000_000, ge=1_000, description="Largest request body, in bytes (413 above it)."
    )
    api_upload_max_bytes: int = Field(
        1_000_000_000, ge=1_000, description="Largest upload under /v1/uploads, in bytes."
    )
    api_warm_cache: bool = Field(
        True, description="Load what plans need in the background when the server starts."
    )
    api_key_cache_seconds: float = Field(
        10.0,
        ge=0.0,
        description="How long a server trusts a checked key before reading it again "
        "(a revoked key stops working within this time).",
    )
    workers: int = Field(
        1, ge=1, le=64, description="API worker processes (`kolgraph serve --workers`)."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="API logs: readable text, or one JSON object per line."
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    access_log: bool = Field(
        True, description="Log one line per request (uvicorn's own access log is then off)."
    )
    metrics: bool = Field(
        True, description="Serve Prometheus metrics at /metrics and count requests for them."
    )
    metrics_dir: Path | None = Field(
        None,
        description="Directory of prometheus-client's multiprocess files "
        "(PROMETHEUS_MULTIPROC_DIR), used when workers > 1; `kolgraph serve` makes a "
        "temporary one when unset. It is emptied when the server starts.",
    )

    # jobs started through the API
    jobs_dir: Path = Field(
        Path("kolgraph-jobs"),
        description="Where jobs keep files: uploads for import jobs, rejected rows. Processes "
        "sharing a store (several workers) must share this directory too.",
    )
    job_heartbeat_seconds: float = Field(
        2.0, gt=0.0, le=600.0, description="How often a running job writes a sign of life."
    )
    job_stale_seconds: float = Field(
        60.0,
        gt=0.0,
        description="A running job with no sign of life for this long is reported interrupted "
        "(its server stopped); must exceed job_heartbeat_seconds.",
    )
    job_log_lines: int = Field(50, ge=1, le=1000, description="Log lines a job record keeps.")
    listen_lateness_seconds: int = Field(
        120,
        ge=0,
        description="Seconds of event time an event may arrive behind the newest one before "
        "it is rejected as late; the burst detector waits as long before closing a bin.",
    )
    listen_bin_seconds: int = Field(
        300, ge=1, le=3600, description="The burst detector's bin of event time, in seconds."
    )
    listen_state_seconds: float = Field(
        1.0, ge=0.0, description="Least seconds between two stored states of a topic."
    )
    listen_window_hours: float = Field(
        6.0, gt=0.0, description="The window topic amplifiers are counted in, in hours."
    )
    listen_batch_size: int = Field(
        50_000, ge=1, le=500_000, description="Most events stored per transaction while listening."
    )
    listen_batch_seconds: float = Field(
        1.0,
        gt=0.0,
        description="Longest wait, in seconds, before the events read so far are stored (and "
        "their topics' states updated), however few.",
    )
    alert_max_attempts: int = Field(
        6, ge=1, le=100, description="Attempts per alert delivery before it is marked failed."
    )
    alert_backoff_seconds: float = Field(
        1.0, gt=0.0, description="First retry delay of an alert delivery (doubles, jittered)."
    )
    alert_backoff_max_seconds: float = Field(
        300.0, gt=0.0, description="Longest retry delay of an alert delivery."
    )
    alert_timeout_seconds: float = Field(
        10.0, gt=0.0, description="Seconds a webhook receiver may take to read or answer."
    )
    alert_command_timeout_seconds: float = Field(
        30.0, gt=0.0, description="Seconds an alert command may run."
    )

    @model_validator(mode="after")
    def _check_jobs(self) -> Settings:
        if self.job_stale_seconds <= self.job_heartbeat_seconds:
            raise ValueError(
                "KOLGRAPH_JOB_STALE_SECONDS must exceed KOLGRAPH_JOB_HEARTBEAT_SECONDS, or "
                "every running job would look interrupted"
            )
        return self

    @model_validator(mode="after")
    def _check_neo4j(self) -> Settings:
        if self.store == "neo4j" and not self.neo4j_uri:
            raise ValueError(
                "KOLGRAPH_STORE=neo4j needs KOLGRAPH_NEO4J_URI (e.g. bolt://127.0.0.1:7687)"
            )
        if (
            self.env == "production"
            and self.neo4j_password is not None
            and self.neo4j_password.get_secret_value() in {"neo4j", "password", "changeme"}
        ):
            raise ValueError("refusing a default Neo4j password in production; set a real one")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once, then cached)."""
    return Settings()


def _env_value(value: object) -> str | None:
    """``value`` as an environment variable's text (``None``: unset)."""
    if value is None:
        return None
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def export_environment(settings: Settings, names: Iterable[str]) -> dict[str, str | None]:
    """Put the settings ``names`` into this process's environment, for child processes.

    The API's worker processes read their settings from the environment
    (:func:`get_settings`), so values the command line overrides (``--db``,
    ``--store``, ``--workers``, ...) are exported as ``KOLGRAPH_*`` variables
    before the workers start; a ``None`` value unsets its variable. With more
    than one worker and a ``metrics_dir``, ``PROMETHEUS_MULTIPROC_DIR`` is set
    too: prometheus-client reads it when it is first imported, so every worker
    then keeps its metrics in files that ``/metrics`` adds up.

    Parameters
    ----------
    settings
        The settings to export from.
    names
        Field names of :class:`Settings` to export.

    Returns
    -------
    dict
        The variables set (``None``: removed), by name.

    Raises
    ------
    ValueError
        If a name is not a setting.
    """
    exported: dict[str, str | None] = {}
    for name in names:
        if name not in Settings.model_fields:
            raise ValueError(f"{name!r} is not a kolgraph setting")
        exported[ENV_PREFIX + name.upper()] = _env_value(getattr(settings, name))
    if settings.workers > 1 and settings.metrics_dir is not None:
        exported["PROMETHEUS_MULTIPROC_DIR"] = str(settings.metrics_dir)
    for key, text in exported.items():
        if text is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = text
    return exported
