"""The application factory. One System per app (settings, clock, database), the OpenAPI
document at /openapi.json, every API blueprint under /api/v1 (see api.blueprints for how
to add one), and the pages people use at / (api.pages: session log-in, signed with
settings.secret_key). Nothing happens at import time."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from orchestrator.calendar.watch import CalendarWatch
from orchestrator.settings import Settings
from orchestrator.system import System

from .auth import BEARER_SCHEME
from .blueprints import register_all
from .context import EXTENSION_KEY
from .errors import http_error, register_error_handlers
from .input_limits import register_input_limits
from .pages import register_pages
from .schemas.common import ErrorSchema

API_TITLE = "Work-safety credit orchestrator"


class WscApi(Api):
    """flask-smorest's Api with our error envelope, in the responses and in the document."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        return http_error(error)


def create_app(settings: Settings | None = None, system: System | None = None) -> Flask:
    """A new app on `system`, or on a System built from `settings` (default: from the
    environment). A given System wins over `settings`; whoever built it closes it."""
    system = system or System(settings or Settings.from_env())
    settings = system.settings
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # Room above the model size limit, so an oversize model is refused by the parser
        # with a message naming its size (422); far larger bodies stop here (413).
        MAX_CONTENT_LENGTH=2 * settings.max_upload_bytes + 65536,
        API_TITLE=API_TITLE,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
    )
    app.json.ensure_ascii = False  # names of units and enterprises are Chinese
    app.extensions[EXTENSION_KEY] = system
    register_input_limits(app)
    # several processes serve one database: a year loaded elsewhere counts here too
    app.before_request(CalendarWatch(system).check)
    api = WscApi(app)
    api.spec.components.security_scheme(
        BEARER_SCHEME, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    register_error_handlers(app)
    register_all(api, settings)
    register_pages(app)
    return app
