"""CaseWorkflow answers from its index of unfinished tasks what SpiffWorkflow answers by
walking the task tree, which past max_depth (about 330 rounds of a loop) gives wrong answers."""

from __future__ import annotations

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine_helpers import MODELS
from orchestrator.runtime.workflow import CaseWorkflow


def _review_loop(workflow_class, limit: int):
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(MODELS / "review_loop.bpmn"))
    workflow = workflow_class(parser.get_spec("review_loop"), {})
    workflow.get_tasks(state=TaskState.READY)[0].data.update(rounds=0, limit=limit)
    workflow.do_engine_steps()
    return workflow


def _rounds_until_completed(workflow, most: int) -> int | None:
    for done in range(1, most + 1):
        workflow.get_tasks(state=TaskState.READY, manual=True)[0].run()
        workflow.do_engine_steps()
        if workflow.is_completed():
            return done
    return None


def test_a_long_loop_is_not_completed_before_its_end():
    assert _rounds_until_completed(_review_loop(CaseWorkflow, limit=400), most=400) == 400


def test_spiffworkflow_alone_calls_a_long_loop_completed_too_early():
    """The reason for the override: if this starts failing, SpiffWorkflow fixed it."""
    early = _rounds_until_completed(_review_loop(BpmnWorkflow, limit=400), most=400)
    assert early is not None and early < 400
