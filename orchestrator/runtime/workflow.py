"""A BpmnWorkflow whose task queries do not grow with the case's history.

SpiffWorkflow 3.2 answers `get_tasks(state=READY)` by walking the whole task tree from the
root, several times per engine step: a step gets slower with every completed task, and a
tree deeper than the iterator's max_depth (1000, about 330 rounds of a loop) loses its READY
tasks altogether. Here the workflow keeps the tasks that are not finished in an index;
queries for unfinished states read the index, in creation order. Any other query falls
back to SpiffWorkflow's own iterator.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.util.task import BpmnTaskFilter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

_TREE_ONLY_OPTIONS = {"end_at_spec", "max_depth", "depth_first"}
_OUR_OPTIONS = {"task_filter", "skip_subprocesses"}


class TaskTable(dict):
    """The workflow's id → task dict, noting every task added since the last look."""

    def __init__(self, *args):
        super().__init__(*args)
        self.added: list = list(self.keys())
        self.created_since_save: list = []

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.added.append(key)
        self.created_since_save.append(key)


class CaseWorkflow(BpmnWorkflow):
    """The workflow of one case. Behaves as BpmnWorkflow; only the cost of queries differs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.index_tasks()
        self.tasks.created_since_save = list(self.tasks.keys())  # a new case: nothing stored

    def index_tasks(self) -> None:
        """(Re)build the index; call after replacing `tasks` (the serializer does)."""
        if not isinstance(self.tasks, TaskTable):
            self.tasks = TaskTable(self.tasks)
        else:
            self.tasks.added = list(self.tasks.keys())
        self._unfinished: dict = {}

    def unfinished_tasks(self) -> list:
        """Tasks not yet finished, oldest first. Finished tasks never come back, except by a
        reset, which rebuilds the index."""
        tasks = self.tasks
        unfinished = self._unfinished
        for task_id in tasks.added:
            task = tasks.get(task_id)
            if task is not None:
                unfinished[task_id] = task
        tasks.added = []
        finished = TaskState.FINISHED_MASK
        for task_id, task in list(unfinished.items()):
            if task._state & finished or task_id not in tasks:
                del unfinished[task_id]
        return list(unfinished.values())

    def get_tasks_iterator(self, first_task=None, **kwargs):
        task_filter = kwargs.get("task_filter") or _filter(kwargs)
        if (
            first_task is not None
            or task_filter is None
            or task_filter.state & TaskState.FINISHED_MASK
            or _TREE_ONLY_OPTIONS & kwargs.keys()
        ):
            return super().get_tasks_iterator(first_task, **kwargs)
        skip_subprocesses = kwargs.get("skip_subprocesses", False)
        return self._matching(task_filter, skip_subprocesses)

    def _matching(self, task_filter, skip_subprocesses: bool):
        for task in self.unfinished_tasks():
            if task_filter.matches(task):
                yield task
        if skip_subprocesses:
            return
        for subprocess in list(self.subprocesses.values()):
            for task in list(subprocess.tasks.values()):
                if not task._state & TaskState.FINISHED_MASK and task_filter.matches(task):
                    yield task

    def is_completed(self) -> bool:
        """SpiffWorkflow walks the tree for an unfinished task and, past its max_depth (about
        330 rounds of a loop), finds none and calls a running case completed."""
        if not self.completed and not self.unfinished_tasks():
            self.completed = True
        return self.completed

    def update_waiting_tasks(self) -> None:
        """Runs on every task completion; SpiffWorkflow walks the whole tree here."""
        for task in self.unfinished_tasks():
            if task._state == TaskState.WAITING:
                task.task_spec._update(task)

    def reset_from_task_id(self, task_id, data=None):
        result = super().reset_from_task_id(task_id, data)
        self.index_tasks()
        return result


def _filter(kwargs: dict) -> BpmnTaskFilter | None:
    options = {k: v for k, v in kwargs.items() if k not in _OUR_OPTIONS}
    if _TREE_ONLY_OPTIONS & options.keys():
        return None
    try:
        return BpmnTaskFilter(**options)
    except TypeError:
        return None
