"""One typed settings object; every environment variable is listed here once with its default."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def _json_object(name: str) -> dict:
    text = os.environ.get(name, "").strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise SystemExit(f"{name} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise SystemExit(f"{name} must be a JSON object")
    return value


@dataclass(frozen=True)
class Settings:
    """Configuration of one deployment. Build it with `Settings.from_env()` or directly in tests."""

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'instance' / 'wsc.sqlite3'}"
    secret_key: str = "dev-only-secret-change-me-in-any-real-deployment"
    token_lifetime_seconds: int = 8 * 3600
    simulated_clock: bool = False
    processes_dir: Path = PROJECT_ROOT / "processes"
    forms_dir: Path = PROJECT_ROOT / "forms"
    max_upload_bytes: int = 2 * 1024 * 1024
    run_scheduler: bool = True
    # `wsc web` (gunicorn): where it listens, its worker processes, threads per worker.
    web_bind: str = "127.0.0.1:8000"
    web_workers: int = 2
    web_threads: int = 2  # measured: 4 threads lose more to the GIL than they win on waits
    # The credit register (docs/register.md): evidence file types, the rolling window the
    # criteria count facts in ("1年内(即365天内)", 三(一)3), the term of an entry (三(四)1(4)).
    attachment_types: tuple[str, ...] = ("pdf", "jpg", "png", "docx")
    criteria_window_days: int = 365
    register_term: str = "P1Y"
    # Deployment-specific lists and tunables, as one JSON object (WSC_EXTRA): the credit
    # platforms' endpoints ("publication_endpoints"), notification channels ("notification_
    # channels", SMTP or webhook), disclosure and reminder periods. docs/publication.md and
    # docs/timers.md list the keys.
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        defaults = cls()
        return cls(
            database_url=os.environ.get("WSC_DATABASE_URL", defaults.database_url),
            secret_key=os.environ.get("WSC_SECRET_KEY", defaults.secret_key),
            token_lifetime_seconds=int(
                os.environ.get("WSC_TOKEN_LIFETIME_SECONDS", defaults.token_lifetime_seconds)
            ),
            simulated_clock=_flag("WSC_SIMULATED_CLOCK"),
            processes_dir=Path(os.environ.get("WSC_PROCESSES_DIR", defaults.processes_dir)),
            forms_dir=Path(os.environ.get("WSC_FORMS_DIR", defaults.forms_dir)),
            max_upload_bytes=int(os.environ.get("WSC_MAX_UPLOAD_BYTES", defaults.max_upload_bytes)),
            run_scheduler=_flag("WSC_RUN_SCHEDULER", "1"),
            web_bind=os.environ.get("WSC_WEB_BIND", defaults.web_bind),
            web_workers=int(os.environ.get("WSC_WEB_WORKERS", defaults.web_workers)),
            web_threads=int(os.environ.get("WSC_WEB_THREADS", defaults.web_threads)),
            attachment_types=tuple(
                kind.strip().lower()
                for kind in os.environ.get(
                    "WSC_ATTACHMENT_TYPES", ",".join(defaults.attachment_types)
                ).split(",")
                if kind.strip()
            ),
            criteria_window_days=int(
                os.environ.get("WSC_CRITERIA_WINDOW_DAYS", defaults.criteria_window_days)
            ),
            register_term=os.environ.get("WSC_REGISTER_TERM", defaults.register_term),
            extra=_json_object("WSC_EXTRA"),
        )
