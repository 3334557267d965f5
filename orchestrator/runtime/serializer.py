"""Converting workflows to stored rows and back, with SpiffWorkflow's own converters.

The spec is converted once per definition version (stored on the definition); a case stores
its workflow-level attributes and one row per task. Each task row carries the task's full
data rather than SpiffWorkflow's delta against its parent, so a row depends on nothing but
its own task and can be rewritten alone.
"""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.bpmn.serializer.helpers import DefaultRegistry
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from ..timers.definitions import CLOCK_TIMERS
from .workflow import CaseWorkflow


class FullDataTaskConverter(TaskConverter):
    """A task with its whole data, so rows need no parent to be read."""

    def to_dict(self, task):
        return {
            "id": str(task.id),
            "parent": str(task._parent) if task._parent is not None else None,
            "children": [str(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task._state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": data_to_dict(task.internal_data),
            "data": data_to_dict(task.data),
        }

    def from_dict(self, dct, workflow):
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=_uuid(dct["id"]))
        task._parent = _uuid(dct["parent"]) if dct["parent"] is not None else None
        task._children = [_uuid(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = data_from_dict(dct["internal_data"])
        task.data = data_from_dict(dct["data"])
        if isinstance(task_spec, CatchingEvent) and task._state == TaskState.WAITING:
            workflow.top_workflow.event_manager.add_task(task)
        return task


@lru_cache(maxsize=8192)
def _uuid(text: str) -> UUID:
    """A task id read from its row. A restore meets each id several times (the task, its
    parent's children, its children's parent, the table's key), and parsing is the dearer
    part; UUIDs are immutable, so one object may serve them all."""
    return UUID(text)


def _configure():
    """SpiffWorkflow's registry, as `BpmnWorkflowSerializer.configure` builds it, keeping the
    converter instances (restoring subprocesses needs the workflow converter itself).
    Our clock-reading timer definitions take the typenames of SpiffWorkflow's, so specs
    stored before they existed restore with them too."""
    config = dict(SPIFF_CONFIG)
    config[Task] = FullDataTaskConverter
    registry = DefaultRegistry()
    converters = {}
    for cls, converter in config.items():
        ours = CLOCK_TIMERS.get(cls)
        if ours is not None:
            converters[ours] = converter(ours, registry, typename=cls.__name__)
        else:
            converters[cls] = converter(cls, registry)
    return registry, converters


REGISTRY, _CONVERTERS = _configure()


def spec_to_dict(spec, subprocess_specs: dict) -> dict:
    return {
        "spec": REGISTRY.convert(spec),
        "subprocess_specs": {name: REGISTRY.convert(s) for name, s in subprocess_specs.items()},
    }


def spec_from_dict(stored: dict):
    spec = REGISTRY.restore(stored["spec"])
    subprocess_specs = {
        name: REGISTRY.restore(s) for name, s in stored.get("subprocess_specs", {}).items()
    }
    return spec, subprocess_specs


def data_to_dict(data: dict) -> dict:
    """Task data as a task row stores it (a new structure: nothing shared with the task)."""
    try:
        return _plain_copy(data, restoring=False)
    except _NotPlain:
        return REGISTRY.convert(REGISTRY.clean(data))


def data_from_dict(stored: dict) -> dict:
    """Task data from its row (a new structure: the row's body stays as it was read)."""
    try:
        return _plain_copy(stored, restoring=True)
    except _NotPlain:
        return REGISTRY.restore(stored)


# Most task data is plain JSON: strings, numbers, booleans, None, dicts and lists. Copied
# here it comes out as SpiffWorkflow's registry would make it, at a fraction of the cost
# (the registry looks every value up in its converters: a tenth of a timer fire). Anything
# else (a date, a tuple, a callable, a stored object tagged with its typename) goes
# through the registry.
_SCALARS = frozenset({str, int, float, bool, type(None)})


class _NotPlain(Exception):
    pass


def _plain_copy(value, restoring: bool):
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        if restoring and "typename" in value:
            raise _NotPlain
        return {key: _plain_copy(item, restoring) for key, item in value.items()}
    if kind is list:
        return [_plain_copy(item, restoring) for item in value]
    raise _NotPlain


def task_to_dict(task) -> dict:
    return REGISTRY.convert(task)


def _common_attrs(workflow) -> dict:
    return {
        "data": data_to_dict(workflow.data),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "root": str(workflow.task_tree.id),
    }


def workflow_attrs(workflow: CaseWorkflow) -> dict:
    """Everything of the workflow but its tasks and spec: small, written on every step."""
    attrs = _common_attrs(workflow)
    attrs["bpmn_events"] = REGISTRY.convert(workflow.bpmn_events)
    attrs["subprocesses"] = {
        str(sp_id): dict(
            _common_attrs(sp), parent_task_id=str(sp.parent_task_id), spec=sp.spec.name,
            typename=REGISTRY.typenames[type(sp)],
        )
        for sp_id, sp in workflow.subprocesses.items()
    }
    return attrs


def restore_workflow(spec, subprocess_specs, attrs: dict, tasks_by_workflow: dict, script_engine):
    """Rebuild a CaseWorkflow from its attributes and its task rows grouped by workflow id
    ("" for the top workflow, the subprocess task's id otherwise)."""
    workflow = CaseWorkflow(spec, subprocess_specs, script_engine=script_engine, deserializing=True)
    workflow.tasks = {
        _uuid(task_id): REGISTRY.restore(body, workflow=workflow)
        for task_id, body in tasks_by_workflow.get("", {}).items()
    }
    workflow.task_tree = workflow.tasks[_uuid(attrs["root"])]
    converter = _CONVERTERS[BpmnWorkflow]
    converter.set_default_attributes(workflow, dict(attrs))
    subprocesses = {
        sp_id: dict(meta, tasks=tasks_by_workflow.get(sp_id, {}))
        for sp_id, meta in attrs.get("subprocesses", {}).items()
    }
    converter.subprocesses_from_dict(subprocesses, workflow)
    workflow.bpmn_events = REGISTRY.restore(attrs.get("bpmn_events", []))
    workflow.index_tasks()
    return workflow
