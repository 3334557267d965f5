"""The BPMN MIWG reference models, drawn by other tools, as real-world uploads: each is
accepted or refused with DefinitionInvalid whose every error says what is wrong and, where an
element is at fault, names an element that exists in the file. Nothing else may escape."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from orchestrator.definitions.parsing import DefinitionInvalid, parse_definition

# shared/ lies beside the project's clone (in a session and in CI)
MIWG = Path(__file__).resolve().parents[2] / "shared" / "bpmn-miwg"
FILES = sorted(MIWG.glob("*.bpmn"))
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def test_the_reference_models_are_there():
    """Never a silent skip: without shared/bpmn-miwg the import tests would test nothing."""
    assert len(FILES) >= 20, f"no MIWG reference models in {MIWG}"


def element_ids(data: bytes) -> set[str]:
    return {e.get("id") for e in etree.fromstring(data).iter() if e.get("id")}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_reference_model_is_accepted_or_refused_by_element(path):
    data = path.read_bytes()
    try:
        parsed = parse_definition(data)
    except DefinitionInvalid as refusal:
        assert refusal.errors and refusal.message
        ids = element_ids(data)
        for error in refusal.errors:
            assert error.message.strip()
            assert error.element_id is None or error.element_id in ids, error
    else:
        assert parsed.key in element_ids(data)


@pytest.mark.parametrize("name", ["C.1.1.bpmn", "C.3.0.bpmn", "C.9.1.bpmn"])
def test_executable_reference_models_are_refused_for_lanes_naming_each_user_task(name):
    data = (MIWG / name).read_bytes()
    user_tasks = [t.get("id") for t in etree.fromstring(data).iter(f"{BPMN}userTask")]
    with pytest.raises(DefinitionInvalid) as refusal:
        parse_definition(data)
    lane_errors = {e.element_id: e.message for e in refusal.value.errors
                   if "lane" in e.message}
    assert user_tasks and set(user_tasks) == set(lane_errors)
    for task_id, message in lane_errors.items():
        assert task_id in message


@pytest.mark.parametrize("name", ["A.1.0.bpmn", "B.2.0.bpmn", "C.2.0.bpmn", "C.8.0.bpmn"])
def test_non_executable_reference_models_are_refused_naming_their_processes(name):
    data = (MIWG / name).read_bytes()
    processes = {p.get("id") for p in etree.fromstring(data).iter(f"{BPMN}process")}
    with pytest.raises(DefinitionInvalid) as refusal:
        parse_definition(data)
    refused = {e.element_id for e in refusal.value.errors if "is not executable" in e.message}
    assert refused == processes
