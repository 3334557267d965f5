"""The admin's view of publication to the credit platforms: deliveries by state (the dead
letters above all) and the retry that gives a dead delivery a fresh set of attempts.
Changes are written by the procedures (orchestrator.publication.publish), never here."""

from __future__ import annotations

from flask_smorest import Blueprint

from orchestrator.persistence.publication_tables import PublicationChange
from orchestrator.publication import admin

from ..auth import auth_required, current_caller
from ..context import get_system
from ..schemas.publication import (
    DeliveryListArgsSchema,
    DeliveryPageSchema,
    DeliverySchema,
    RetriedSchema,
    RetryDeadArgsSchema,
)

blp = Blueprint("publication", __name__, url_prefix="/publication",
                description="Publication outbox: deliveries to the credit platforms (三(三))")


def _view(delivery, change) -> dict:
    return {
        **{column.key: getattr(delivery, column.key)
           for column in delivery.__table__.columns},
        "kind": change.kind, "enterprise_id": change.enterprise_id,
        "idempotency_key": change.idempotency_key, "created_at": change.created_at,
        "payload": change.payload,
    }


@blp.route("/deliveries")
@auth_required("admin")
@blp.arguments(DeliveryListArgsSchema, location="query")
@blp.response(200, DeliveryPageSchema)
def deliveries(args):
    """Deliveries with their changes, the latest first; filters: state, endpoint, kind."""
    with get_system().database.transaction() as session:
        rows, total = admin.list_deliveries(
            session, state=args.get("state"), endpoint=args.get("endpoint"),
            kind=args.get("kind"), page=args["page"], per_page=args["per_page"])
        items = [_view(delivery, change) for delivery, change in rows]
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/deliveries/<int:delivery_id>/retry", methods=["POST"])
@auth_required("admin")
@blp.response(200, DeliverySchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def retry(delivery_id):
    """A dead delivery becomes pending and due now (409 unless it is dead)."""
    system = get_system()
    with system.database.transaction() as session:
        delivery = admin.retry_delivery(session, system, current_caller().actor, delivery_id)
        return _view(delivery, session.get(PublicationChange, delivery.change_id))


@blp.route("/deliveries/retry-dead", methods=["POST"])
@auth_required("admin")
@blp.arguments(RetryDeadArgsSchema, location="query")
@blp.response(200, RetriedSchema)
def retry_dead(args):
    """Every dead delivery (of one endpoint, if given) becomes pending and due now."""
    system = get_system()
    with system.database.transaction() as session:
        retried = admin.retry_dead(session, system, current_caller().actor,
                                   args.get("endpoint"))
    return {"retried": retried}
