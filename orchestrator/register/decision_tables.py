"""The decision tables of the criteria, as deployed, run by SpiffWorkflow's own DMN engine.

Which table is in force: the one carried by the most recently deployed process definition
that contains a decision with that id. DMN files in processes/ are deployed with every
BPMN (repository.deploy_directory), and a designer who uploads a model with a changed DMN
makes a new definition version, so the change takes effect with that upload; nothing here
reads processes/ directly.

How it runs: through a business rule task of a two-step BPMN process made here (start →
business rule task → end), so a table is evaluated exactly as a business rule task of a case
would evaluate it: same parser, same hit policy, every cell in the sandboxed script engine.
The parsed harness is cached per table content.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import quoteattr

from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..definitions.xml_guard import XmlRefused, read_xml
from ..errors import InvalidInput, NotFound
from ..persistence.tables import ProcessDefinition

JOINT_PUNISHMENT_CRITERIA = "joint_punishment_criteria"
BLACKLIST_CRITERIA = "blacklist_criteria"
HARNESS_PROCESS = "register_criteria_harness"
HARNESS_TASK = "decide"
_HARNESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="register_criteria_harness_definitions" targetNamespace="urn:wsc:register">
  <bpmn:process id="{process}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to_decide</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="{task}" name={name}>
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>to_decide</bpmn:incoming><bpmn:outgoing>to_end</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="end"><bpmn:incoming>to_end</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="to_decide" sourceRef="start" targetRef="{task}"/>
    <bpmn:sequenceFlow id="to_end" sourceRef="{task}" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


class DecisionTableNotDeployed(NotFound):
    """No deployed definition carries the table: deploy the processes (wsc load-processes)."""

    code = "decision_table_not_deployed"


class DecisionFailed(InvalidInput):
    """The table could not be evaluated (a cell that raises, an input it does not know);
    the message names the table, its definition version and SpiffWorkflow's reason."""

    code = "decision_failed"


@dataclass(frozen=True)
class DeployedTable:
    """A decision table as deployed, and where it was found."""

    decision_id: str
    definition_key: str
    definition_version: int
    dmn_xml: str

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.dmn_xml.encode("utf-8")).hexdigest()

    def describe(self) -> dict:
        return {"decision": self.decision_id, "definition": self.definition_key,
                "version": self.definition_version, "content_hash": self.content_hash}


def deployed_table(session: Session, decision_id: str) -> DeployedTable:
    """The table in force: from the latest deployed definition that contains it."""
    definition_ids = session.scalars(
        select(ProcessDefinition.id).order_by(ProcessDefinition.id.desc())).all()
    for definition_id in definition_ids:
        key, version, documents = session.execute(
            select(ProcessDefinition.key, ProcessDefinition.version, ProcessDefinition.dmn_xml)
            .where(ProcessDefinition.id == definition_id)).one()
        for document in documents or ():
            if decision_id in document and decision_id in _decision_ids(document):
                return DeployedTable(decision_id, key, version, document)
    raise DecisionTableNotDeployed(
        f"no deployed process definition carries the decision table {decision_id!r}; "
        "deploy the process models (wsc load-processes)", {"decision": decision_id})


def run_table(system, table: DeployedTable, inputs: dict) -> list[dict]:
    """The rows of the table that hold for `inputs`, each as {output name: value}: every row
    for hit policy COLLECT, the first for UNIQUE, none if no row holds."""
    spec, outputs, collect = _harness(table.decision_id, table.dmn_xml)
    workflow = BpmnWorkflow(spec, {}, script_engine=system.script_engine)
    workflow.get_tasks(state=TaskState.READY)[0].data.update(inputs)
    try:
        workflow.do_engine_steps()
    except SpiffWorkflowException as error:
        notes = "; ".join(str(note) for note in getattr(error, "notes", ()) or ())
        where = f"{table.definition_key} v{table.definition_version}"
        raise DecisionFailed(
            f"decision table {table.decision_id} ({where}) failed: {error}"
            + (f" ({notes})" if notes else ""),
            {"decision": table.decision_id, "definition": table.definition_key,
             "version": table.definition_version, "reason": str(error)}) from None
    data = workflow.data
    present = [name for name in outputs if name in data]
    if not present:
        return []
    if not collect:
        return [{name: data.get(name) for name in outputs}]
    columns = {name: data.get(name) or [] for name in outputs}
    length = max(len(values) for values in columns.values())
    return [{name: (values[i] if i < len(values) else None) for name, values in columns.items()}
            for i in range(length)]


_harness_lock = threading.Lock()


@lru_cache(maxsize=32)
def _harness(decision_id: str, dmn_xml: str) -> tuple:
    """(spec, output names, whether the hit policy collects) for a table's content."""
    with _harness_lock:
        parser = SpiffBpmnParser()
        bpmn = _HARNESS.format(process=HARNESS_PROCESS, task=HARNESS_TASK, decision=decision_id,
                               name=quoteattr(decision_id))
        parser.add_bpmn_xml(etree.fromstring(bpmn.encode("utf-8")), filename="harness.bpmn")
        parser.add_dmn_xml(_read(dmn_xml), filename=f"{decision_id}.dmn")
        spec = parser.get_spec(HARNESS_PROCESS)
    table = spec.task_specs[HARNESS_TASK].dmnEngine.decision_table
    outputs = tuple(output.name or output.label for output in table.outputs)
    return spec, outputs, table.hit_policy == "COLLECT"


@lru_cache(maxsize=64)
def _decision_ids(dmn_xml: str) -> frozenset[str]:
    try:
        root = _read(dmn_xml)
    except XmlRefused:  # a stored document we cannot read carries no table for us
        return frozenset()
    return frozenset(element.get("id") for element in root.iter()
                     if isinstance(element.tag, str)
                     and etree.QName(element).localname == "decision" and element.get("id"))


def _read(dmn_xml: str):
    """A stored DMN document, read as guarded as at its upload (it passed the size limit
    then; the limit here is its own size)."""
    data = dmn_xml.encode("utf-8")
    return read_xml(data, max_bytes=len(data))
