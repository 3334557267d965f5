"""How an incentive case starts from outside a model: the enterprise applies (annex 1) or its
industry authority applies on its behalf (三(四)2(1)); a renewal once the window opened
(三(四)2(4)); the enterprise's written objection to a refusal or a removal (三(四)2(5)).
Each checks who may do it and what the register says, then starts the model's case; what
happens next is the model's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden, NotFound
from ..persistence.incentive_tables import IncentiveEntry
from ..persistence.tables import Enterprise, ProcessInstance
from ..runtime import cases
from ..runtime.instances import case_data
from . import entries
from .vocabulary import GRANT_PROCESS, OBJECTION_PROCESS, REMOVAL_PROCESS, REMOVED

APPLICATION_FORM = "incentive_application"
OBJECTION_FORM = "incentive_objection"
STAFF_ROLES = ("clerk", "leader", "principal")
OPEN_STATUSES = ("running", "incident")


class ApplicationConflict(Conflict):
    """The register or a case under way does not allow this application now."""

    code = "application_conflict"


def apply(session: Session, system, caller, enterprise: Enterprise, values: dict, *,
          renewal: bool = False) -> ProcessInstance:
    """Start the grant case for the enterprise with its application (the form
    incentive_application); `renewal` applies again for the active entry whose renewal
    window the model opened."""
    applicant = _applicant(caller, enterprise)
    application = system.forms.get(APPLICATION_FORM).validate(values)
    pending = pending_application(session, enterprise.id)
    if pending is not None:
        raise ApplicationConflict(f"an application of this enterprise is under way (case "
                                  f"{pending})", {"case": pending})
    active = entries.active_entry(session, enterprise.id)
    today = system.clock.today()
    if renewal:
        if active is None:
            raise ApplicationConflict("the enterprise has no active incentive entry to renew",
                                      {"renewal": ["no active entry"]})
        if active.renewal_opened_at is None:
            raise ApplicationConflict(
                f"the renewal of entry {active.id} (term ends {active.ends_on.isoformat()}) is "
                "not open yet: the enterprise is reminded when it opens",
                {"renewal": ["not open yet"], "ends_on": active.ends_on.isoformat()})
    elif active is not None:
        state = ("is an incentive object until" if entries.in_force(active, today)
                 else "has an entry whose removal is pending since")
        raise ApplicationConflict(
            f"the enterprise {state} {active.ends_on.isoformat()} (entry {active.id}); apply "
            "for renewal when the renewal window opens", {"entry": active.id})
    data = {"application": application, "applicant": applicant,
            "renewal_of": active.id if renewal else None, "resubmission_of": None}
    return _start(session, system, caller, GRANT_PROCESS, enterprise, data)


def object_to(session: Session, system, caller, enterprise: Enterprise, case_id: int,
              values: dict) -> ProcessInstance:
    """The enterprise's written objection (the form incentive_objection) to the refusal its
    grant case ended with or to the removal a removal case concluded."""
    if caller.role != "enterprise" or caller.enterprise_id != enterprise.id:
        raise Forbidden("only the enterprise objects, with its written material (三(四)2(5))")
    objection = system.forms.get(OBJECTION_FORM).validate(values)
    subject = session.get(ProcessInstance, case_id)
    if subject is None or subject.enterprise_id != enterprise.id or \
            subject.process_key not in (GRANT_PROCESS, REMOVAL_PROCESS):
        raise NotFound(f"no incentive case {case_id} of this enterprise")
    data = {"subject_instance": subject.id, "objection": objection}
    if subject.process_key == GRANT_PROCESS:
        if subject.status != "completed" or entries.entry_of_grant(session, subject.id):
            raise ApplicationConflict(f"case {case_id} did not end with a refusal",
                                      {"case": ["not refused"]})
        data.update(subject="refusal",
                    application=case_data(session, subject).get("application") or {})
    else:
        removed = session.scalar(select(IncentiveEntry).where(
            IncentiveEntry.removal_instance_id == subject.id, IncentiveEntry.status == REMOVED))
        if removed is None:
            raise ApplicationConflict(f"case {case_id} removed no entry that is still removed",
                                      {"case": ["no removal"]})
        data.update(subject="removal", incentive_entry=entries.summary(removed))
    _refuse_open_case(session, enterprise.id, OBJECTION_PROCESS, "an objection")
    return _start(session, system, caller, OBJECTION_PROCESS, enterprise, data)


def pending_application(session: Session, enterprise_id: int,
                        besides: int | None = None) -> int | None:
    """A grant case of the enterprise still under review (running, and no entry announced
    yet: a case that announced keeps running through its term), other than `besides`."""
    query = select(ProcessInstance.id).where(
        ProcessInstance.enterprise_id == enterprise_id,
        ProcessInstance.process_key == GRANT_PROCESS,
        ProcessInstance.status.in_(OPEN_STATUSES),
        ProcessInstance.id.not_in(select(IncentiveEntry.grant_instance_id).where(
            IncentiveEntry.grant_instance_id.is_not(None))))
    if besides is not None:
        query = query.where(ProcessInstance.id != besides)
    return session.scalar(query.order_by(ProcessInstance.id).limit(1))


def _applicant(caller, enterprise: Enterprise) -> str:
    """'enterprise' for its own users; 'industry_authority' for the staff of its industry
    authority applying on its behalf; nobody else applies."""
    if caller.role == "enterprise" and caller.enterprise_id == enterprise.id:
        return "enterprise"
    if caller.role in STAFF_ROLES and caller.org_unit_id == enterprise.industry_authority_id:
        return "industry_authority"
    raise Forbidden("the enterprise applies, or its industry authority on its behalf",
                    {"industry_authority": enterprise.industry_authority_id})


def _refuse_open_case(session: Session, enterprise_id: int, process_key: str,
                      what: str) -> None:
    running = session.scalar(select(ProcessInstance.id).where(
        ProcessInstance.enterprise_id == enterprise_id,
        ProcessInstance.process_key == process_key,
        ProcessInstance.status.in_(OPEN_STATUSES)).limit(1))
    if running is not None:
        raise ApplicationConflict(f"{what} of this enterprise is under way (case {running})",
                                  {"case": running})


def _start(session: Session, system, caller, process_key: str, enterprise: Enterprise,
           data: dict) -> ProcessInstance:
    data = {"credit_code": enterprise.credit_code, "enterprise_name": enterprise.name, **data}
    return cases.start(session, system, caller.actor, process_key, enterprise.district_id,
                       data, enterprise.id)
