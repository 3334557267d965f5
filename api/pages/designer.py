"""The designer (roles designer and admin): the deployed processes and their versions, a
model opened in the bpmn-js modeler, and save = deploy through the same
parse_definition + repository.deploy as POST /api/v1/process-definitions. A refused model
answers 422 with every error and the element it names, for the page to list and highlight.

The properties panel is told what our models use, from the code that checks them: the lane
levels and roles (orchestrator.definitions.validation), the unit names of the tree, the
forms on disk, and the date functions timers may call (orchestrator.calendar)."""

from __future__ import annotations

import inspect

from flask import Blueprint, Response, jsonify, render_template, request
from sqlalchemy import select

from orchestrator.calendar import calendar_from_db, date_functions
from orchestrator.definitions import repository
from orchestrator.definitions.parsing import DefinitionInvalid, parse_definition
from orchestrator.definitions.validation import ENTERPRISE_LANE, LEVELS, ROLES
from orchestrator.errors import InvalidInput
from orchestrator.persistence.tables import OrgUnit, ProcessDefinition

from ..blueprints.definitions import DESIGNERS
from ..context import get_system
from .display import LEVEL_NAMES, ROLE_NAMES, china_time
from .lookups import all_forms, latest_definitions, user_names
from .security import login_required

bp = Blueprint("designer", __name__)
UNIT_KINDS = ("business_unit", "industry_authority")


def _versions(db, key: str) -> list[dict]:
    rows = list(db.scalars(
        select(ProcessDefinition).where(ProcessDefinition.key == key)
        .order_by(ProcessDefinition.version.desc())
    ))
    names = user_names(db, [row.deployed_by for row in rows])
    return [{"version": row.version, "name": row.name or row.key,
             "deployed_at": china_time(row.deployed_at),
             "deployed_by": names.get(row.deployed_by, "系统"),
             "hash": row.content_hash[:12]} for row in rows]


@bp.route("/designer")
@login_required(*DESIGNERS)
def index(caller):
    system = get_system()
    with system.database.transaction() as db:
        processes = [{"definition": d, "versions": _versions(db, d.key)}
                     for d in latest_definitions(db)]
    return render_template("designer_list.html", processes=processes)


def _panel_config(db, system) -> dict:
    """What the properties panel offers (see the module doc)."""
    units = sorted(set(db.scalars(select(OrgUnit.name).where(OrgUnit.kind.in_(UNIT_KINDS)))))
    functions = date_functions(calendar_from_db(db), system.clock)
    return {
        "levels": list(LEVELS), "roles": list(ROLES), "units": units,
        "enterpriseLane": ENTERPRISE_LANE,
        "levelNames": LEVEL_NAMES, "roleNames": ROLE_NAMES,
        "forms": [{"key": f.key, "title": f.definition.get("title", f.key)}
                  for f in all_forms(system)],
        "functions": [{"name": name, "signature": f"{name}{inspect.signature(fn)}",
                       "doc": " ".join((inspect.getdoc(fn) or "").split())}
                      for name, fn in functions.items()],
    }


@bp.route("/designer/new")
@login_required(*DESIGNERS)
def new(caller):
    system = get_system()
    with system.database.transaction() as db:
        config = _panel_config(db, system)
    return render_template("designer.html", key=None, version=None, versions=[],
                           config=config)


@bp.route("/designer/<string:key>")
@login_required(*DESIGNERS)
def edit(caller, key):
    system = get_system()
    number = request.args.get("version", type=int)
    with system.database.transaction() as db:
        definition = repository.version(db, key, number)
        versions = _versions(db, key)
        config = _panel_config(db, system)
    return render_template("designer.html", key=key, version=definition.version,
                           name=definition.name or key, versions=versions, config=config)


@bp.route("/designer/<string:key>/bpmn")
@login_required(*DESIGNERS)
def bpmn(caller, key):
    system = get_system()
    with system.database.transaction() as db:
        definition = repository.version(db, key, request.args.get("version", type=int))
        xml = definition.bpmn_xml
    return Response(xml, mimetype="application/xml")


@bp.route("/designer", methods=["POST"])
@login_required(*DESIGNERS)
def deploy(caller):
    """The modeler's XML as the next version; 422 with {"errors": [{element_id, message}]}
    when the model is refused, 200 with the version (new or, for the same content, the
    existing one) otherwise. The DMN files of the version the model was opened from
    (?base=<key>&version=<n>) go with it: the modeler edits the BPMN only."""
    system = get_system()
    body = request.get_data()
    try:
        if not body.strip():
            raise InvalidInput("the request has no BPMN", {"body": ["BPMN XML expected"]})
        dmn = _base_dmn(request.args.get("base"), request.args.get("version", type=int))
        parsed = parse_definition(body, dmn, max_bytes=system.settings.max_upload_bytes,
                                  forms_dir=system.settings.forms_dir)
    except DefinitionInvalid as refused:
        return jsonify({"message": refused.message, "errors": refused.details}), 422
    except InvalidInput as refused:
        return jsonify({"message": refused.message,
                        "errors": [{"element_id": None, "message": refused.message}]}), 422
    with system.database.transaction() as db:
        definition, created = repository.deploy(db, parsed, caller.actor, system.clock.now())
        result = {"key": definition.key, "version": definition.version, "created": created,
                  "name": definition.name or definition.key}
        result["versions"] = _versions(db, definition.key)
    return jsonify(result), (201 if created else 200)


def _base_dmn(key: str | None, number: int | None) -> list[bytes]:
    if not key:
        return []
    system = get_system()
    with system.database.transaction() as db:
        definition = repository.version(db, key, number)
        return [text.encode("utf-8") for text in definition.dmn_xml or []]
