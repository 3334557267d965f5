"""The register operations models call from service tasks (see runtime/services.py). Each
acts on the case's own enterprise and the entry the case made or names, as the acting
user of the step, and returns plain data the model may read (result variable)."""

from __future__ import annotations

from ..errors import InvalidInput
from ..runtime.services import StepContext, operation
from . import criteria, entries, facts


def _enterprise_id(context: StepContext) -> int:
    enterprise_id = context.instance.enterprise_id
    if enterprise_id is None:
        raise InvalidInput("the case has no enterprise", {"enterprise": ["required"]})
    return enterprise_id


def _entry_summary(entry) -> dict:
    return {"id": entry.id, "register": entry.register, "status": entry.status,
            "starts_on": entry.starts_on, "ends_on": entry.ends_on}


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
def correct_fact(context: StepContext, data: dict, fact: int, changes: dict, reason: str
                 ) -> dict:
    corrected = facts.correct_fact(context.session, context.system, context.actor, fact,
                                   changes, reason)
    return {"id": corrected.id, "status": corrected.status}


@operation("register.withdraw_fact")
def withdraw_fact(context: StepContext, data: dict, fact: int, reason: str) -> dict:
    withdrawn = facts.withdraw_fact(context.session, context.system, context.actor, fact,
                                    reason)
    return {"id": withdrawn.id, "status": withdrawn.status}


def _entry_of_case(context: StepContext):
    entry = entries.entry_of_instance(context.session, context.instance.id)
    if entry is None:
        raise InvalidInput("the case has proposed no entry", {"entry": ["none proposed"]})
    return entry
