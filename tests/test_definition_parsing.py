"""Uploading a model: a good approval model becomes a runnable spec; anything unsafe or
unrunnable is refused with DefinitionInvalid naming every problem and the element it is in."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from orchestrator.definitions.parsing import (
    DEFAULT_MAX_BYTES,
    DefinitionInvalid,
    ElementError,
    content_hash,
    parse_definition,
)
from orchestrator.definitions.validation import parse_lane
from orchestrator.errors import InvalidInput
from orchestrator.scripts.sandbox import SandboxedScriptEngine

HERE = Path(__file__).parent
HOSTILE = HERE / "hostile"
APPROVAL = (HERE / "models" / "approval_chain.bpmn").read_text(encoding="utf-8")
DECISIONS = HERE / "models" / "decisions"


@pytest.fixture
def forms_dir(tmp_path: Path) -> Path:
    (tmp_path / "review.json").write_text("{}", encoding="utf-8")
    return tmp_path


def refused(bpmn: str | bytes, dmn=(), **options) -> list[ElementError]:
    data = bpmn.encode("utf-8") if isinstance(bpmn, str) else bpmn
    with pytest.raises(DefinitionInvalid) as caught:
        parse_definition(data, dmn, **options)
    assert caught.value.errors, "refused without naming a problem"
    assert caught.value.details == [e.as_dict() for e in caught.value.errors]
    return caught.value.errors


def only(errors: list[ElementError], element_id: str | None) -> str:
    messages = [e.message for e in errors if e.element_id == element_id]
    assert messages, f"no error for {element_id}: {errors}"
    return " | ".join(messages)


def test_approval_model_is_accepted_and_runs_to_the_first_user_task(forms_dir):
    parsed = parse_definition(APPROVAL.encode("utf-8"), forms_dir=forms_dir)
    assert parsed.key == "approval_chain"
    assert parsed.name == "District sign-off, then city"
    assert parsed.bpmn_xml == APPROVAL
    assert parsed.dmn_xml == []
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs,
                            script_engine=SandboxedScriptEngine())
    workflow.do_engine_steps()
    [task] = workflow.get_tasks(state=TaskState.READY)
    assert task.task_spec.bpmn_id == "draft"
    assert task.task_spec.lane == "district:clerk"
    assert task.task_spec.extensions["properties"]["form"] == "review"
    assert task.data["summary"] == {"count": 2, "first": "accident"}


def test_same_content_gives_the_same_hash_whatever_the_dmn_order():
    bpmn, dmn = (DECISIONS / "credit_register.bpmn").read_bytes(), \
        (DECISIONS / "credit_register.dmn").read_bytes()
    other = dmn.replace(b"Which register", b"Which register (copy)").replace(
        b'id="credit_register"', b'id="other_register"')
    first = parse_definition(bpmn, [dmn, other])
    second = parse_definition(bpmn, [other, dmn])
    assert first.content_hash == second.content_hash == content_hash(bpmn, [dmn, other])
    assert parse_definition(bpmn, [dmn]).content_hash != first.content_hash
    assert len(first.content_hash) == 64


def test_definition_invalid_is_invalid_input_with_every_problem_in_details():
    errors = refused(APPROVAL.replace('isExecutable="true"', 'isExecutable="false"'))
    error = DefinitionInvalid(errors)
    assert isinstance(error, InvalidInput)
    assert "approval_chain" in error.message
    assert error.details == [{"element_id": "approval_chain", "message": errors[0].message}]


def test_a_process_that_is_not_executable_is_refused_by_name():
    errors = refused(APPROVAL.replace('isExecutable="true"', 'isExecutable="false"'))
    assert only(errors, "approval_chain") == ("process approval_chain is not executable "
                                              "(isExecutable is not true)")


def test_two_main_executable_processes_are_refused_naming_both():
    second = ('<bpmn:process id="second_main" isExecutable="true"><bpmn:startEvent id="s2"/>'
              "</bpmn:process>\n</bpmn:definitions>")
    errors = refused(APPROVAL.replace("</bpmn:definitions>", second))
    assert "second_main" in only(errors, "approval_chain")
    assert "approval_chain" in only(errors, "second_main")


def test_every_user_and_manual_task_must_be_in_a_level_role_lane(forms_dir):
    model = (APPROVAL.replace('name="district:leader"', 'name="Leader"')
             .replace("<bpmn:flowNodeRef>city_confirmation</bpmn:flowNodeRef>", ""))
    errors = refused(model, forms_dir=forms_dir)
    assert "Lane_leader" in only(errors, "leader_review")
    assert "'Leader'" in only(errors, "leader_review")
    assert "manual task city_confirmation is not in a lane" in only(errors, "city_confirmation")
    assert {e.element_id for e in errors} == {"leader_review", "city_confirmation"}


@pytest.mark.parametrize(
    ("name", "parsed"),
    [("district:clerk", ("district", None, "clerk")),
     ("city:安监一股:leader", ("city", "安监一股", "leader")),
     ("ministry:principal", ("ministry", None, "principal")),
     ("county:clerk", None), ("district:boss", None), ("district::clerk", None),
     ("district:clerk ", None), ("district", None), (None, None), ("a:b:c:clerk", None)],
)
def test_lane_names(name, parsed):
    assert parse_lane(name) == parsed


def test_a_form_named_by_a_user_task_must_exist(tmp_path):
    errors = refused(APPROVAL, forms_dir=tmp_path)
    assert only(errors, "draft") == ("user task draft names the form 'review', but there is "
                                     "no form review.json")
    parse_definition(APPROVAL.encode("utf-8"))  # without a forms folder, forms are not checked


def test_every_static_problem_is_reported_at_once(forms_dir):
    model = (APPROVAL
             .replace("rounds = 0", "import os\nrounds = 0")
             .replace("agreed == True and rounds &lt;= 3", "agreed.__class__")
             .replace('"P30D"', "P30D")
             .replace('<spiffworkflow:postScript>rounds = rounds + 1',
                      "<spiffworkflow:postScript>rounds = eval('rounds + 1')")
             .replace("<bpmn:flowNodeRef>sign_off</bpmn:flowNodeRef>", ""))
    errors = refused(model, forms_dir=forms_dir)
    assert "script: import is not allowed" in only(errors, "prepare")
    assert "__class__" in only(errors, "f_agreed")
    assert "quoted string: 'P30D'" in only(errors, "draft_overdue")
    assert "post-script: eval() is not allowed" in only(errors, "draft")
    assert "not in a lane" in only(errors, "sign_off")


def test_model_code_in_another_language_is_refused():
    model = APPROVAL.replace('<bpmn:scriptTask id="prepare" name="Prepare the case">',
                             '<bpmn:scriptTask id="prepare" scriptFormat="javascript">')
    assert "'javascript' is not supported" in only(refused(model), "prepare")


def test_a_call_to_a_process_not_in_the_model_is_refused():
    model = APPROVAL.replace(
        '<bpmn:userTask id="leader_review" name="Leader in charge reviews">',
        '<bpmn:callActivity id="leader_review" calledElement="elsewhere">').replace(
        "</bpmn:userTask>\n    <bpmn:exclusiveGateway", "</bpmn:callActivity>\n    "
        "<bpmn:exclusiveGateway")
    assert "'elsewhere', which is not in this model" in only(refused(model), "leader_review")


def test_spiffworkflow_parse_errors_name_the_element():
    model = APPROVAL.replace('default="f_returned"', "")
    assert "without condition" in only(refused(model), "f_returned")


def test_schema_violations_are_reported_by_element():
    model = APPROVAL.replace('cancelActivity="true"', 'cancelActivity="maybe"')
    assert "schema" in only(refused(model), "draft_overdue")


def test_a_business_rule_task_needs_its_decision():
    errors = refused((DECISIONS / "credit_register.bpmn").read_bytes())
    assert "credit_register" in only(errors, "decide_register")


def test_decision_table_cells_are_checked():
    dmn = (HOSTILE / "dmn_cell_escape.dmn").read_bytes()
    errors = refused((DECISIONS / "credit_register.bpmn").read_bytes(), [dmn])
    assert "getattr() is not allowed" in only(errors, "Entry_escape")
    assert "__subclasses__" in only(errors, "Out_escape")


@pytest.mark.parametrize(
    ("data", "says"),
    [(b"", "empty"), (b"not xml at all", "malformed XML at line 1"),
     (b"<notes><note>hi</note></notes>", "not a BPMN 2.0 model"),
     (b"\xff\xfe\x00garbage", "malformed XML")],
)
def test_files_that_are_not_bpmn_are_refused(data, says):
    [error] = refused(data)
    assert error.element_id is None
    assert says in error.message


def test_oversize_files_are_refused_with_size_and_limit():
    model = APPROVAL.replace("<bpmn:process ", "<!--" + "x" * DEFAULT_MAX_BYTES + "-->"
                             "<bpmn:process ", 1)
    [error] = refused(model)
    assert f"limit is {DEFAULT_MAX_BYTES:,} bytes" in error.message
    assert f"{len(model.encode()):,} bytes" in error.message


def test_an_unexpected_failure_becomes_a_definition_error(monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("parser blew up")

    monkeypatch.setattr(SpiffBpmnParser, "add_bpmn_xml", explode)
    errors = refused(APPROVAL)
    assert "parser blew up" in only(errors, None)


HOSTILE_CASES = {
    "external_entity.bpmn": (None, "DOCTYPE"),
    "parameter_entity.bpmn": (None, "DOCTYPE"),
    "billion_laughs.bpmn": (None, "DOCTYPE"),
    "quadratic_blowup.bpmn": (None, "DOCTYPE"),
    "oversize.bpmn": (None, "the limit is 32,768 bytes"),
    "malformed.bpmn": (None, "malformed XML at line 5"),
    "xinclude.bpmn": (None, "XInclude is not accepted"),
    "script_escape.bpmn": ("Task_1", "script: access to __class__, __base__, __subclasses__"),
    "import_os.bpmn": ("Task_1", "script: import is not allowed"),
    "prescript_escape.bpmn": ("Task_1", "pre-script: open() is not allowed"),
    "condition_escape.bpmn": ("f_escape", ".format() is not allowed"),
    "timer_escape.bpmn": ("Timer_1", "__import__() is not allowed"),
    "dmn_cell_escape.dmn": ("Out_escape", "__subclasses__"),
}


def test_the_hostile_corpus_is_covered():
    assert {path.name for path in HOSTILE.iterdir()} == set(HOSTILE_CASES)


@pytest.mark.parametrize("name", sorted(HOSTILE_CASES))
def test_hostile_uploads_are_refused_naming_the_problem(name):
    element_id, says = HOSTILE_CASES[name]
    data = (HOSTILE / name).read_bytes()
    started = time.monotonic()
    if name.endswith(".dmn"):
        errors = refused((DECISIONS / "credit_register.bpmn").read_bytes(), [data])
    else:
        errors = refused(data, max_bytes=32 * 1024)
    assert time.monotonic() - started < 5
    assert says in only(errors, element_id)
    assert not any("root:" in e.message for e in errors)  # /etc/passwd never read
