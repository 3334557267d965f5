"""The incentive operations models call from service tasks (see runtime/services.py and
docs/incentive.md). Each acts on the case's own enterprise, as the acting user of the step
(the system for a timer), inside the step's transaction, and returns plain data the model
keeps in its result variable. The regulation's numbers (the term, the windows) are the
model's parameters and tables, never defaults here."""

from __future__ import annotations

from ..errors import InvalidInput, NotFound
from ..persistence.tables import Enterprise
from ..register.enterprises import audit_enterprise
from ..runtime import cases
from ..runtime.services import StepContext, operation
from . import applications, blacklist, eligibility, entries, facts, notices
from .vocabulary import ACTIVE, REMOVAL_GROUNDS


def _enterprise(context: StepContext) -> Enterprise:
    if context.instance.enterprise_id is None:
        raise InvalidInput("the case has no enterprise", {"enterprise": ["required"]})
    return context.session.get(Enterprise, context.instance.enterprise_id)


@operation("incentive.industry_authority")
def industry_authority(context: StepContext, data: dict) -> str:
    """The enterprise's industry authority (行业主管部门): the unit the lane
    `district:{industry_authority}:clerk` routes to, and who answers for the incentive
    information (谁提供、谁负责)."""
    enterprise = _enterprise(context)
    if not enterprise.industry_authority_id:
        raise InvalidInput(f"enterprise {enterprise.credit_code} has no industry authority on "
                           "record", {"industry_authority_id": ["required"]})
    return enterprise.industry_authority_id


@operation("incentive.evaluate")
def evaluate(context: StepContext, data: dict) -> dict:
    """The six conditions of 三(一)4 today: eligible, the clauses not met, the explanation."""
    decided = eligibility.evaluate(context.session, context.system, _enterprise(context).id)
    return {**decided.summary(),
            "conditions": [{"clause": c.clause, "met": c.met, "reasons": list(c.reasons)}
                           for c in decided.conditions]}


@operation("incentive.record_refusal")
def record_refusal(context: StepContext, data: dict, level: str, reason: str,
                   evidence: str) -> dict:
    """A level refused the application: its reason and evidence (不予通过的证据材料) go to the
    enterprise's audit chain and to the case, for the notice and the defence."""
    refusal = {"level": level, "reason": reason, "evidence": evidence,
               "at": context.system.clock.now().isoformat()}
    audit_enterprise(context.session, context.system, context.actor, _enterprise(context).id,
                     "incentive_refused_at_level", {"instance": context.instance.id, **refusal})
    return refusal


@operation("incentive.conclude_refusal")
def conclude_refusal(context: StepContext, data: dict, reason: str) -> str:
    """The refusal stands (no defence, or one that did not hold)."""
    audit_enterprise(context.session, context.system, context.actor, _enterprise(context).id,
                     "incentive_refused", {"instance": context.instance.id, "reason": reason})
    return "refused"


@operation("incentive.announce")
def announce(context: StepContext, data: dict, term: str) -> dict:
    """The ministry announced: the enterprise is an incentive object from today for `term`
    (an ISO 8601 period from the model); a renewal (`renewal_of` in the case data) closes the
    entry it renews."""
    enterprise = _enterprise(context)
    decided = eligibility.evaluate(context.session, context.system, enterprise.id)
    entry = entries.announce(
        context.session, context.system, context.actor, enterprise.id, term=term,
        providing_department_id=industry_authority(context, data),
        grant_instance_id=context.instance.id, eligibility=decided.as_dict(),
        renewal_of=data.get("renewal_of"))
    return entries.summary(entry)


@operation("incentive.open_renewal")
def open_renewal(context: StepContext, data: dict, entry: int, title: str, body: str) -> dict:
    """The renewal window opened: remind the enterprise and its industry authority, unless
    the entry was removed or renewed meanwhile (then nobody is told)."""
    opened = entries.open_renewal(context.session, context.system, context.actor, entry)
    told = 0
    if opened.status == ACTIVE:
        told = notices.tell(context.session, context.system, context.instance,
                            "enterprise_and_industry_authority", "reminder", title, body)
    return {"entry": entries.summary(opened), "notified": told}


@operation("incentive.term_ended")
def term_ended(context: StepContext, data: dict, entry: int) -> dict:
    """At the expiry day: the entry needs the removal procedure when it is still active and
    no renewal application is under way (三(四)2(3): 期限届满未再次提出申请)."""
    ended = entries.entry(context.session, entry)
    renewing = applications.pending_application(context.session, ended.enterprise_id,
                                                besides=context.instance.id)
    return {"entry": entries.summary(ended), "renewal_case": renewing,
            "needs_removal": ended.status == ACTIVE and renewing is None}


@operation("incentive.removal_subject")
def removal_subject(context: StepContext, data: dict) -> dict:
    """The active entry a removal case is about (the one the case data names, else the
    enterprise's); none is InvalidInput, so a removal case cannot start without one."""
    named = (data.get("incentive_entry") or {}).get("id")
    found = entries.active_entry(context.session, _enterprise(context).id)
    if found is None or (named is not None and found.id != named):
        raise InvalidInput("the enterprise has no active incentive entry to remove",
                           {"incentive_entry": ["must be an active incentive entry"]})
    return entries.summary(found)


@operation("incentive.remove")
def remove(context: StepContext, data: dict, entry: int, grounds: str, reason: str) -> dict:
    """The ministry approved the removal (三(四)2(3)) on `grounds` (REMOVAL_GROUNDS)."""
    if grounds not in REMOVAL_GROUNDS:
        raise InvalidInput(f"unknown removal grounds {grounds!r}",
                           {"grounds": list(REMOVAL_GROUNDS)})
    removed = entries.remove(context.session, context.system, context.actor, entry,
                             reason=f"{REMOVAL_GROUNDS[grounds]}：{reason}",
                             removal_instance_id=context.instance.id)
    return entries.summary(removed)


@operation("incentive.restore")
def restore(context: StepContext, data: dict, entry: int, reason: str) -> dict:
    """An objection to the removal held (三(四)2(5)): the entry is active again."""
    return entries.summary(entries.restore(context.session, context.system, context.actor,
                                           entry, reason=reason))


@operation("incentive.withdraw_fact")
def withdraw_fact(context: StepContext, data: dict, fact: int, reason: str) -> dict:
    """An objection showed an incentive fact wrong: it is no longer counted."""
    withdrawn = facts.withdraw_fact(context.session, context.system, context.actor, fact,
                                    reason)
    return {"id": withdrawn.id, "status": withdrawn.status}


@operation("incentive.notify")
def notify(context: StepContext, data: dict, to: str, title: str, body: str) -> dict:
    """Tell the enterprise and/or its industry authority (notices.AUDIENCES)."""
    return {"notified": notices.tell(context.session, context.system, context.instance, to,
                                     "notice", title, body)}


@operation("incentive.record_fraud")
def record_fraud(context: StepContext, data: dict, entry: int, reason: str,
                 evidence: str) -> dict:
    """Removed for fraud: the finding becomes the register fact the blacklist counts
    (blacklist.py), provided by the industry authority."""
    fact = blacklist.record_fraud(
        context.session, context.system, context.actor, _enterprise(context).id,
        providing_department_id=industry_authority(context, data), reason=reason,
        evidence=evidence, incentive_entry_id=entry, instance_id=context.instance.id)
    return {"id": fact.id, "kind": fact.kind, "occurred_on": fact.occurred_on.isoformat()}


@operation("incentive.district_unit")
def district_unit(context: StepContext, data: dict, name: str) -> str:
    """The unit the model names (e.g. '执法大队') under the case's district bureau."""
    return blacklist.district_unit(context.system.directory(context.session),
                                   context.instance.jurisdiction_id, name)


@operation("incentive.open_case")
def open_case(context: StepContext, data: dict, process: str, data_for_case: dict) -> dict:
    """Start a case of `process` for the same enterprise and district, in this step's
    transaction: the removal at the end of a term, a blacklist entry after a removal for
    fraud (三(四)2(3)), a resubmission after an objection held. The new case gets
    `data_for_case` and `origin_instance`; a process that is not deployed is an incident to
    fix by deploying it (the case waits at this task until an admin retries)."""
    enterprise = _enterprise(context)
    start_data = {"credit_code": enterprise.credit_code, "enterprise_name": enterprise.name,
                  **dict(data_for_case or {}), "origin_instance": context.instance.id}
    try:
        started = cases.start(context.session, context.system, context.actor, process,
                              context.instance.jurisdiction_id, start_data, enterprise.id)
    except NotFound as missing:
        raise RuntimeError(f"process {process!r} cannot be started: {missing.message}") from None
    audit_enterprise(context.session, context.system, context.actor, enterprise.id,
                     "incentive_case_opened", {"from": context.instance.id,
                                               "instance": started.id, "process": process})
    return {"instance": started.id, "process": process}
