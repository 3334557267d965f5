"""Operations a model calls from a service task: the engine's hands in the register.

A model cannot reach the database from a script (scripts are sandboxed); what it may do
there is a fixed list of named operations, e.g. `register.activate_entry`. Each runs inside
the transaction of the step that reaches it, with the case and the acting user, so the
register and the case commit together or not at all:

    <bpmn:serviceTask id="activate">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="register.activate_entry" resultVariable="entry">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="term" type="str" value="'P1Y'" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
    </bpmn:serviceTask>

Parameter values are sandboxed expressions over the case data. An operation's failure that
names the caller's mistake (InvalidInput, Conflict...) aborts the action as such; any other
failure becomes an incident.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from ..errors import OrchestratorError

OPERATION_MODULES = ("orchestrator.register.operations", "orchestrator.incentive.operations")


@dataclass(frozen=True)
class StepContext:
    """What an operation may use: the step's session, the system, the case and the actor."""

    session: object
    system: object
    instance: object
    actor: object


_CURRENT: ContextVar[StepContext | None] = ContextVar("wsc_step", default=None)
_OPERATIONS: dict[str, Callable] = {}


def operation(name: str):
    """Register `function(context, task_data, **params) -> JSON-able` under `name`."""

    def register(function):
        _OPERATIONS[name] = function
        return function

    return register


def operations() -> dict[str, Callable]:
    for module in OPERATION_MODULES:
        importlib.import_module(module)
    return _OPERATIONS


@contextmanager
def step_context(session, system, instance, actor) -> Iterator[None]:
    token = _CURRENT.set(StepContext(session, system, instance, actor))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def call(task, operation_name: str, operation_params: dict) -> str:
    """SpiffWorkflow's call_service: run the named operation, return its result as JSON."""
    context = _CURRENT.get()
    function = operations().get(operation_name)
    if function is None or context is None:
        raise WorkflowTaskException(
            f"no operation {operation_name!r}" if function is None
            else f"operation {operation_name!r} called outside an engine step", task=task)
    params = {name: value["value"] for name, value in operation_params.items()}
    try:
        result = function(context, task.data, **params)
    except OrchestratorError:
        raise
    except Exception as error:
        raise WorkflowTaskException(
            f"{operation_name} failed: {error.__class__.__name__}: {error}",
            task=task, exception=error) from error
    return json.dumps(result, ensure_ascii=False, default=str)
