"""The Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from planround.server.db import make_engine
from planround.server.errors import PlanroundError
from planround.server.messages import render
from planround.server.settings import Settings
from planround.server.throttle import LoginThrottle
from planround.server.web import close_db, language, respond

log = logging.getLogger(__name__)

HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden"}


def create_app(settings: Settings | None = None) -> Flask:
    """Create the service; tests pass their own settings, the server reads the environment."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    app.config["SECRET_KEY"] = settings.secret_key
    app.extensions["planround"] = {
        "settings": settings, "engine": make_engine(settings.database_url),
        "throttle": LoginThrottle(limit=settings.login_failures, window_seconds=settings.login_window_seconds),
    }
    app.teardown_appcontext(close_db)
    register_error_handlers(app)
    register_blueprints(app)
    return app


def register_blueprints(app: Flask) -> None:
    from planround.server.api import followup, me, openapi, rounds, units, workflow

    for module in (me, rounds, units, workflow, followup, openapi):
        app.register_blueprint(module.bp, url_prefix="/api/v1")


def register_error_handlers(app: Flask) -> None:
    """Render every error the same way: JSON with a code and a message in the caller's language."""

    @app.errorhandler(PlanroundError)
    def planround_error(error: PlanroundError):
        response = respond(error.to_dict(language()), error.status)
        if getattr(error, "retry_after", None):
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error):
        limit = app.config["MAX_CONTENT_LENGTH"]
        message = render("payload_too_large", language(), size=f"> {limit}", limit=limit)
        return respond({"error": "payload_too_large", "message": message}, 413)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = HTTP_CODES.get(error.code or 400, "bad_request")
        return respond({"error": code, "message": render(code, language())}, error.code or 400)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error", exc_info=error)
        return respond({"error": "internal_error", "message": render("internal_error", language())}, 500)
