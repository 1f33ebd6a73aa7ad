"""One settings object, read strictly from the environment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

DEFAULT_INSTANCE_DIR = Path.cwd() / "instance"


class SettingsError(RuntimeError):
    """A setting in the environment has a value we refuse to start with."""


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, got {value}")
    return value


def _decimal(env: dict[str, str], name: str, default: str) -> Decimal:
    raw = env.get(name) or default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise SettingsError(f"{name} must not be negative, got {value}")
    return value


def _instance_secret(instance_dir: Path) -> str:
    """Return the secret kept in the instance folder, creating it on first use.

    The demo and development need no configuration, yet no two installations share a
    well-known secret: each gets a random one beside its database.
    """
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the service can be configured with."""

    database_url: str
    secret_key: str = field(repr=False)
    production: bool = False
    instance_dir: Path = DEFAULT_INSTANCE_DIR
    max_upload_bytes: int = 20 * 1024 * 1024
    max_cells: int = 4_000_000  # a 100,000-line workbook has about 2 million table cells
    # A comment is required when a line moves this much against last year's actual.
    comment_threshold_pct: Decimal = Decimal("20")
    comment_threshold_amount: Decimal = Decimal("100000")
    token_days: int = 365
    # Failed sign-ins one address may make within the window before it gets 429.
    login_failures: int = 10
    login_window_seconds: int = 300
    # How long the answer to a write sent with an Idempotency-Key is kept for a retry.
    idempotency_hours: int = 24

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        """Read the settings from the environment, refusing unsafe production values."""
        env = dict(os.environ if env is None else env)
        production = env.get("PLANROUND_ENV", "development") == "production"
        if env.get("PLANROUND_ENV", "development") not in ("development", "production"):
            raise SettingsError("PLANROUND_ENV must be 'development' or 'production'")
        instance_dir = Path(env.get("PLANROUND_INSTANCE_DIR") or DEFAULT_INSTANCE_DIR)
        secret = env.get("PLANROUND_SECRET_KEY", "")
        if production and len(secret) < 32:
            raise SettingsError(
                "PLANROUND_SECRET_KEY must be set to at least 32 characters in production"
            )
        database_url = env.get("PLANROUND_DATABASE_URL") or (
            f"sqlite:///{(instance_dir / 'planround.sqlite').resolve()}"
        )
        if production and database_url.startswith("sqlite"):
            raise SettingsError("production needs PLANROUND_DATABASE_URL (PostgreSQL)")
        return cls(
            database_url=database_url,
            secret_key=secret or _instance_secret(instance_dir),
            production=production,
            instance_dir=instance_dir,
            max_upload_bytes=_int(env, "PLANROUND_MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
            max_cells=_int(env, "PLANROUND_MAX_CELLS", 4_000_000),
            comment_threshold_pct=_decimal(env, "PLANROUND_COMMENT_THRESHOLD_PCT", "20"),
            comment_threshold_amount=_decimal(
                env, "PLANROUND_COMMENT_THRESHOLD_AMOUNT", "100000"
            ),
            token_days=_int(env, "PLANROUND_TOKEN_DAYS", 365),
            login_failures=_int(env, "PLANROUND_LOGIN_FAILURES", 10),
            login_window_seconds=_int(env, "PLANROUND_LOGIN_WINDOW_SECONDS", 300),
            idempotency_hours=_int(env, "PLANROUND_IDEMPOTENCY_HOURS", 24),
        )
