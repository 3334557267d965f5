"""What a licence's change publishes to the credit platforms (三(三)), written in the
transaction of the change:

    publish_licence(session, system, "licence_recorded" | "licence_corrected", licence)
    publish_licence(session, system, "licence_" + ending, licence)   # withdrawn, annulled, ...

Only the public record goes out (disclosure/rules.DISCLOSED_LICENCE_FIELDS), with the
enterprise, the issuing department and the status; never who recorded it or why it ended."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..disclosure.rules import disclosed_licence
from ..persistence.licence_tables import AdministrativeLicence
from ..publication.changes import enterprise_summary, unit_summary
from ..publication.outbox import publish
from .vocabulary import CATEGORIES, STATUSES


def publish_licence(session: Session, system, kind: str, licence: AdministrativeLicence):
    return publish(session, system, kind, licence_payload(session, licence),
                   licence.enterprise_id)


def licence_payload(session: Session, licence: AdministrativeLicence) -> dict:
    return {
        "licence": licence.id,
        **disclosed_licence(licence),
        "category_label": CATEGORIES.get(licence.category, licence.category),
        "status": licence.status,
        "status_label": STATUSES.get(licence.status, licence.status),
        "ended_on": licence.ended_on,
        "enterprise": enterprise_summary(session, licence.enterprise_id),
        "issuing_department": unit_summary(session, licence.issuing_department_id),
    }
