"""The register operations models call from service tasks (see runtime/services.py). Each
acts on the case's own enterprise and the entry the case made or names, as the acting
user of the step, and returns plain data the model may read (result variable).

docs/procedures.md shows where the shipped procedures call each one."""

from __future__ import annotations

from ..errors import InvalidInput
from ..runtime.services import StepContext, operation
from . import criteria, entries, facts, procedures
from .vocabulary import REGISTERS


def _enterprise_id(context: StepContext) -> int:
    enterprise_id = context.instance.enterprise_id
    if enterprise_id is None:
        raise InvalidInput("the case has no enterprise", {"enterprise": ["required"]})
    return enterprise_id


def _entry_summary(entry) -> dict:
    return {"id": entry.id, "register": entry.register,
            "register_name": REGISTERS[entry.register], "status": entry.status,
            "starts_on": entry.starts_on, "ends_on": entry.ends_on,
            "providing_department": entry.providing_department_id}


@operation("register.evaluate")
def evaluate(context: StepContext, data: dict) -> dict:
    """The criteria of 三(一)3 for the case's enterprise today, with their explanation."""
    decision = criteria.evaluate(context.session, context.system, _enterprise_id(context))
    return {"register": decision.register, "explanation": decision.text()}


@operation("register.propose_entry")
def propose_entry(context: StepContext, data: dict, providing_department: str) -> dict:
    """Propose the entry the criteria call for; the same case proposing again gets it back."""
    entry = entries.propose_entry(
        context.session, context.system, context.actor, _enterprise_id(context),
        providing_department_id=providing_department, instance_id=context.instance.id)
    return _entry_summary(entry)


@operation("register.activate_entry")
def activate_entry(context: StepContext, data: dict, term: str) -> dict:
    """The case's proposed entry becomes active for `term` (an ISO period from the model)."""
    entry = _entry_of_case(context)
    entry = entries.activate_entry(context.session, context.system, context.actor, entry.id,
                                   term=term)
    return _entry_summary(entry)


@operation("register.withdraw_entry")
def withdraw_entry(context: StepContext, data: dict, reason: str, entry: int | None = None
                   ) -> dict:
    """A defence or an objection held: the entry (the case's own, or `entry`) is withdrawn."""
    entry_id = entry if entry is not None else _entry_of_case(context).id
    done = entries.withdraw_entry(context.session, context.system, context.actor, entry_id,
                                  reason=reason)
    return _entry_summary(done)


@operation("register.remove_entry")
def remove_entry(context: StepContext, data: dict, entry: int, reason: str) -> dict:
    """The removal procedure approved: the active entry is removed, personal credit too."""
    done = entries.remove_entry(context.session, context.system, context.actor, entry,
                                reason=reason)
    return _entry_summary(done)


@operation("register.correct_fact")
def correct_fact(context: StepContext, data: dict, fact: int, reason: str,
                 changes: dict | None = None, changes_from: str | None = None) -> dict:
    """An objection upheld in part: the fact takes `changes`, or the case data fields named
    `changes_from` + field (a correction form's filled-in fields, e.g. corrected_severity)."""
    if changes_from:
        changes = procedures.correction(data, changes_from)
    if not changes:
        raise InvalidInput("the correction changes nothing: fill in the corrected values",
                           {"changes": ["at least one corrected value"]})
    corrected = facts.correct_fact(context.session, context.system, context.actor, fact,
                                   procedures.plain_changes(changes), reason)
    return {"id": corrected.id, "status": corrected.status}


@operation("register.withdraw_fact")
def withdraw_fact(context: StepContext, data: dict, fact: int, reason: str) -> dict:
    withdrawn = facts.withdraw_fact(context.session, context.system, context.actor, fact,
                                    reason)
    return {"id": withdrawn.id, "status": withdrawn.status}


@operation("register.compiling_unit")
def compiling_unit(context: StepContext, data: dict) -> str:
    """Check the entry case's `providing_department` and name the business unit that
    compiles its monthly summary (the department itself, or the case's `compiling_unit`)."""
    return procedures.compiling_unit(
        context.system.directory(context.session), context.instance.jurisdiction_id,
        data.get("providing_department"), data.get("compiling_unit"))


@operation("register.check_removal_window")
def check_removal_window(context: StepContext, data: dict, working_days: int) -> dict:
    """The removal application's entry (the case data's `entry`, else the enterprise's only
    active one) with its window; outside the window the case does not start (422)."""
    _enterprise_id(context)
    entry, window = procedures.removal_entry(
        context.session, context.system, context.instance, data.get("entry"), working_days)
    return {**_entry_summary(entry), "window": window}


@operation("register.prolong_entry")
def prolong_entry(context: StepContext, data: dict, term: str) -> dict:
    """At the end of its term the case's entry, still active, runs one more `term`."""
    entry = procedures.prolong_entry(context.session, context.system, context.actor,
                                     _entry_of_case(context).id, term)
    return _entry_summary(entry)


@operation("register.objection_subject")
def objection_subject(context: StepContext, data: dict, objection_to: str,
                      subject_id: int) -> dict:
    """The entry or fact objected to, and its providing department (谁提供、谁负责)."""
    return procedures.objection_subject(
        context.session, context.system.directory(context.session), _enterprise_id(context),
        objection_to, subject_id)


@operation("register.notify_enterprise")
def notify_enterprise(context: StepContext, data: dict, title: str, body: str) -> dict:
    """Tell the case's enterprise (a notice in its users' inbox): the written notice, a
    decision, the outcome of its application or objection."""
    _enterprise_id(context)
    return {"notified": procedures.notify_enterprise(
        context.session, context.system, context.instance, title, body)}


def _entry_of_case(context: StepContext):
    entry = entries.entry_of_instance(context.session, context.instance.id)
    if entry is None:
        raise InvalidInput("the case has proposed no entry", {"entry": ["none proposed"]})
    return entry
