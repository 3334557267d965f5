"""Static checks on an uploaded model, read from the XML so that every problem is found at once
(SpiffWorkflow's parser stops at the first) and each is pinned to the element a designer can
find in the modeller: the script task, the sequence flow, the timer event, the DMN cell.

What is checked: every piece of model code compiles in the sandbox; every user and manual task
sits in a lane naming a level and a role (the worklist routes by it); every form a user task
names exists; nothing the engine cannot run (service tasks, other script languages).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from orchestrator.scripts.sandbox import check_code

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}

LEVELS = ("district", "city", "province", "ministry")
ROLES = ("clerk", "leader", "principal")
LANE_FORMAT = (f"<level>:<role> or <level>:<unit name>:<role> (level one of {', '.join(LEVELS)}; "
               f"role one of {', '.join(ROLES)})")

_CONTAINERS = {f"{{{BPMN}}}{tag}" for tag in ("subProcess", "transaction", "adHocSubProcess")}
_FORM_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# ISO 8601 written bare: a timer expression is Python, so P7D would be read as a variable.
_ISO_TIMER = re.compile(
    r"^(R\d*/.*|P[0-9YMWDTHS.,]+|\d{4}-\d{2}-\d{2}([T ][0-9:.]+)?(Z|[+-][0-9:]+)?)$")
# The rewriting SpiffWorkflow's DMN engine applies to a `?` in an input entry.
_DMN_QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


@dataclass(frozen=True)
class ElementError:
    """One problem in an uploaded model, and the element it is in (None: the whole file)."""

    element_id: str | None
    message: str

    def as_dict(self) -> dict:
        return {"element_id": self.element_id, "message": self.message}


ENTERPRISE_LANE = "enterprise"  # the case's enterprise: its defence, application, objection


def parse_lane(name: str | None) -> tuple[str, str | None, str] | None:
    """(level, unit name or None, role) of a lane name, or None when it does not follow
    LANE_FORMAT."""
    if name == ENTERPRISE_LANE:
        return ENTERPRISE_LANE, None, ENTERPRISE_LANE
    parts = (name or "").split(":")
    if len(parts) not in (2, 3) or any(part != part.strip() or not part for part in parts):
        return None
    level, role = parts[0], parts[-1]
    if level not in LEVELS or role not in ROLES:
        return None
    return level, (parts[1] if len(parts) == 3 else None), role


def validate_bpmn(root: etree._Element, process_ids: Iterable[str],
                  forms_dir: Path | None = None) -> list[ElementError]:
    """Every problem in the processes that will run (process_ids, with their subprocesses)."""
    processes = {p.get("id"): p for p in root.iterfind(f"{{{BPMN}}}process")}
    lanes = _lane_index(root)
    errors: list[ElementError] = []
    for process_id in process_ids:
        process = processes.get(process_id)
        if process is None:
            continue
        errors += _check_code(process)
        errors += _check_tasks(process, lanes, forms_dir)
        errors += _check_calls(process, processes)
    return errors


def validate_dmn(root: etree._Element) -> list[ElementError]:
    """Every DMN input expression, input entry and output entry compiles in the sandbox, as
    SpiffWorkflow's DMN engine will assemble it."""
    namespace = etree.QName(root).namespace
    ns = {"dmn": namespace} if namespace else {}
    prefix = "dmn:" if namespace else ""
    errors: list[ElementError] = []
    for table in root.iterfind(f".//{prefix}decisionTable", ns):
        inputs = []
        for column in table.iterfind(f"{prefix}input", ns):
            text = column.findtext(f"{prefix}inputExpression/{prefix}text", None, ns)
            refusal = check_code(text, "eval") if text else None
            if refusal:
                errors.append(ElementError(column.get("id"), f"DMN input expression: {refusal}"))
            inputs.append(None if refusal else (text or "dmn_input"))
        for rule in table.iterfind(f"{prefix}rule", ns):
            entries = rule.findall(f"{prefix}inputEntry", ns)
            for entry, input_expression in zip(entries, inputs, strict=False):
                text = entry.findtext(f"{prefix}text", None, ns)
                if input_expression is None or not text or text.strip() in ("", "-"):
                    continue
                refusal = check_code(_dmn_input_test(input_expression, text), "eval")
                if refusal:
                    errors.append(ElementError(entry.get("id"), f"DMN input entry {text!r}: "
                                                                f"{refusal}"))
            for entry in rule.iterfind(f"{prefix}outputEntry", ns):
                text = entry.findtext(f"{prefix}text", None, ns)
                refusal = check_code(text, "eval") if text and text.strip() else None
                if refusal:
                    errors.append(ElementError(entry.get("id"), f"DMN output entry {text!r}: "
                                                                f"{refusal}"))
    return errors


def _dmn_input_test(input_expression: str, entry: str) -> str:
    """The expression SpiffWorkflow's DMNEngine.evaluate builds from an input and an entry."""
    match = _DMN_QUESTION.sub("dmninputexpr", entry)
    if "dmninputexpr" in match:
        return match
    try:
        ast.parse(match)
    except SyntaxError:
        return input_expression + match
    return f"({input_expression}) == ({match})"


def _lane_index(root: etree._Element) -> dict[str, etree._Element]:
    """Flow node id → lane, as SpiffWorkflow assigns them (the last flowNodeRef wins, so a
    child lane wins over its parent)."""
    lanes = {}
    for ref in root.iter(f"{{{BPMN}}}flowNodeRef"):
        if ref.text is not None:
            lanes[ref.text] = ref.getparent()
    return lanes


def _lane_of(element: etree._Element, process: etree._Element, lanes: dict):
    """SpiffWorkflow hands a subprocess's lane to everything inside it, so the outermost
    enclosing activity with a lane decides."""
    chain = [element]
    parent = element.getparent()
    while parent is not None and parent is not process:
        if parent.tag in _CONTAINERS:
            chain.append(parent)
        parent = parent.getparent()
    for node in reversed(chain):
        if node.get("id") in lanes:
            return lanes[node.get("id")]
    return None


def _check_tasks(process: etree._Element, lanes: dict, forms_dir: Path | None):
    for task in process.iter(f"{{{BPMN}}}userTask", f"{{{BPMN}}}manualTask"):
        task_id, kind = task.get("id"), etree.QName(task).localname
        label = "user task" if kind == "userTask" else "manual task"
        lane = _lane_of(task, process, lanes)
        if lane is None:
            yield ElementError(task_id, f"{label} {task_id} is not in a lane; put it in a lane "
                                        f"named {LANE_FORMAT}")
        elif parse_lane(lane.get("name")) is None:
            yield ElementError(task_id, f"{label} {task_id} is in lane {lane.get('id')} named "
                                        f"{lane.get('name')!r}, which is not {LANE_FORMAT}")
        if kind == "userTask":
            yield from _check_form(task, forms_dir)
    for task in process.iter(f"{{{BPMN}}}serviceTask"):
        yield from _check_operation(task)


def _check_operation(task: etree._Element):
    """A service task calls one of the engine's named operations, with its parameters."""
    from ..runtime.services import operations

    known = operations()
    operators = task.xpath("bpmn:extensionElements/spiffworkflow:serviceTaskOperator",
                           namespaces=NS)
    if not operators:
        yield ElementError(task.get("id"), f"service task {task.get('id')} names no operation; "
                                           f"the operations are {', '.join(sorted(known))}")
        return
    name = operators[0].get("id")
    if name not in known:
        yield ElementError(task.get("id"), f"service task {task.get('id')} calls unknown "
                                           f"operation {name!r}; the operations are "
                                           f"{', '.join(sorted(known))}")


def _check_form(task: etree._Element, forms_dir: Path | None):
    path = "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property[@name='form']"
    for prop in task.xpath(path, namespaces=NS):
        key = prop.get("value") or ""
        if not _FORM_KEY.match(key):
            yield ElementError(task.get("id"), f"user task {task.get('id')} names the form "
                                               f"{key!r}, which is not a valid form key")
        elif forms_dir is not None and not (forms_dir / f"{key}.json").is_file():
            yield ElementError(task.get("id"), f"user task {task.get('id')} names the form "
                                               f"{key!r}, but there is no form {key}.json")


def _check_calls(process: etree._Element, processes: dict):
    for call in process.iter(f"{{{BPMN}}}callActivity"):
        called = call.get("calledElement")
        if called and called not in processes:
            yield ElementError(call.get("id"), f"call activity {call.get('id')} calls process "
                                               f"{called!r}, which is not in this model")


def _check_code(process: etree._Element) -> Iterator[ElementError]:
    for element_id, what, text, mode, language in _model_code(process):
        if language and "python" not in language.lower():
            yield ElementError(element_id, f"{what}: the language {language!r} is not "
                                           "supported; write Python")
        elif text is None or not text.strip():
            if what == "script":
                yield ElementError(element_id, "script task has no script")
        elif what.startswith("timer") and _ISO_TIMER.match(text.strip()):
            yield ElementError(element_id, f"{what} {text.strip()} is read as Python; write it "
                                           f"as a quoted string: '{text.strip()}'")
        elif refusal := check_code(text, mode):
            quoted = f" {_shorten(text)!r}" if mode == "eval" else ""
            yield ElementError(element_id, f"{what}{quoted}: {refusal}")


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _model_code(process: etree._Element) -> Iterator[tuple]:
    """(element id, what, text, mode, language) for every piece of code the engine runs."""
    for task in process.iter(f"{{{BPMN}}}scriptTask"):
        script = task.find(f"{{{BPMN}}}script")
        text = script.text if script is not None else None
        yield task.get("id"), "script", text, "exec", task.get("scriptFormat")
    for node in process.iter(etree.Element):
        element_id = node.get("id")
        for name, what in (("preScript", "pre-script"), ("postScript", "post-script")):
            for script in node.xpath(f"bpmn:extensionElements/spiffworkflow:{name}",
                                     namespaces=NS):
                yield element_id, what, script.text, "exec", None
        for parameter in node.xpath("bpmn:extensionElements/spiffworkflow:serviceTaskOperator"
                                    "/spiffworkflow:parameters/spiffworkflow:parameter",
                                    namespaces=NS):
            yield (element_id, f"parameter {parameter.get('id')}", parameter.get("value"),
                   "eval", None)
        for payload in node.xpath("bpmn:extensionElements/spiffworkflow:messagePayload"
                                  "|bpmn:extensionElements/spiffworkflow:payloadExpression",
                                  namespaces=NS):
            yield element_id, "payload expression", payload.text, "eval", None
        for path, what in _EXPRESSIONS:
            for expression in node.xpath(path, namespaces=NS):
                yield element_id, what, expression.text, "eval", expression.get("language")
    for timer in process.iter(f"{{{BPMN}}}timerEventDefinition"):
        for kind in ("timeDate", "timeDuration", "timeCycle"):
            for expression in timer.iterfind(f"bpmn:{kind}", NS):
                yield (timer.getparent().get("id"), f"timer expression ({kind})",
                       expression.text, "eval", expression.get("language"))


_EXPRESSIONS = (
    ("self::bpmn:sequenceFlow/bpmn:conditionExpression", "condition"),
    ("bpmn:standardLoopCharacteristics/bpmn:loopCondition", "loop condition"),
    ("bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality", "loop cardinality"),
    ("bpmn:multiInstanceLoopCharacteristics/bpmn:completionCondition", "completion condition"),
    ("self::bpmn:adHocSubProcess/bpmn:completionCondition", "completion condition"),
    ("bpmn:conditionalEventDefinition/bpmn:condition", "event condition"),
)
