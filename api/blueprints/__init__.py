"""The API blueprints, all mounted under /api/v1.

To add one:

1. write `api/blueprints/<name>.py` with
   `blp = Blueprint("<name>", __name__, url_prefix="/<name>", description="...")`
   (flask_smorest.Blueprint; the prefix is relative to /api/v1);
2. protect each view with `@auth_required(...)` from api.auth, placed above
   `@blp.arguments` so a caller without a token gets 401 before any body validation;
   inside the view, `current_caller()` is the Caller and `get_system()` (api.context) the
   System;
3. add `register_blueprint(api, <name>.blp)` to `register_all` below.
"""

from __future__ import annotations

from flask_smorest import Api, Blueprint

from orchestrator.settings import Settings

from . import (
    calendar,
    clock,
    definitions,
    disclosure,
    documents,
    health,
    incentive,
    incidents,
    instances,
    integrity,
    notifications,
    publication,
    register_enterprises,
    register_entries,
    register_facts,
    register_licences,
    session,
    statistics,
    tasks,
)

API_PREFIX = "/api/v1"


def register_blueprint(api: Api, blp: Blueprint) -> None:
    """Mount `blp` under /api/v1, keeping its own url_prefix below that."""
    api.register_blueprint(blp, url_prefix=API_PREFIX + (blp.url_prefix or ""))


def register_all(api: Api, settings: Settings) -> None:
    register_blueprint(api, health.blp)
    register_blueprint(api, session.blp)
    register_blueprint(api, definitions.blp)
    register_blueprint(api, instances.blp)
    register_blueprint(api, tasks.blp)
    register_blueprint(api, incidents.blp)
    register_blueprint(api, notifications.blp)
    register_blueprint(api, calendar.blp)
    register_blueprint(api, register_enterprises.blp)
    register_blueprint(api, register_facts.blp)
    register_blueprint(api, register_entries.blp)
    register_blueprint(api, register_licences.blp)
    register_blueprint(api, incentive.blp)
    register_blueprint(api, publication.blp)
    register_blueprint(api, documents.blp)
    register_blueprint(api, disclosure.blp)
    register_blueprint(api, statistics.blp)
    register_blueprint(api, integrity.blp)
    if settings.simulated_clock:  # absent, not forbidden, in a real deployment
        register_blueprint(api, clock.blp)
