"""The service under gunicorn: several worker processes against PostgreSQL (Unix only)."""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication

from planround.server.db import upgrade
from planround.server.settings import Settings

MAX_DEFAULT_WORKERS = 8


def default_workers() -> int:
    """Return gunicorn's usual 2 × cores + 1, capped so the database pools stay small."""
    return min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)


class PlanroundApplication(BaseApplication):
    """A gunicorn application whose workers each build their own app from the settings."""

    def __init__(self, settings: Settings, options: dict, proxies: int = 1):
        self.settings = settings
        self.proxies = proxies
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Hand our options to gunicorn's configuration."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        """Build the app inside the worker, so no database connection crosses a fork."""
        return production_app(self.settings, self.proxies)


def production_app(settings: Settings, proxies: int):
    """Return the app, trusting X-Forwarded-For/-Proto from that many proxies (the throttle's address)."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from planround.server.app import create_app

    app = create_app(settings)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    return app


def gunicorn_options(bind: str, workers: int, timeout: int) -> dict:
    """Return the gunicorn settings planround runs with."""
    return {
        "bind": [bind], "workers": workers, "worker_class": "sync", "timeout": timeout,
        "graceful_timeout": 30, "accesslog": "-", "errorlog": "-", "loglevel": "info",
        "proc_name": "planround",
    }


def run_production(settings: Settings, bind: str, workers: int, proxies: int = 1, timeout: int = 120) -> None:
    """Upgrade the schema once, then serve with gunicorn's workers until stopped."""
    upgrade(settings.database_url)
    PlanroundApplication(settings, gunicorn_options(bind, workers, timeout), proxies).run()
