"""Uploaded BPMN (and its DMN) in, an executable SpiffWorkflow spec out — or DefinitionInvalid
naming every problem found and the element each is in. Nothing else ever leaves
parse_definition: a model is designer input, and the engine must never crash on one."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.spiff.parser.process import SPIFF_XSD

from orchestrator.definitions.validation import BPMN, ElementError, validate_bpmn, validate_dmn
from orchestrator.definitions.xml_guard import XmlRefused, read_xml
from orchestrator.errors import InvalidInput
from orchestrator.timers.parsers import ClockBpmnParser

__all__ = ["DefinitionInvalid", "ElementError", "ParsedDefinition", "content_hash",
           "parse_definition"]

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
MAX_SCHEMA_ERRORS = 50
BPMN_FILE = "model.bpmn"


class DefinitionInvalid(InvalidInput):
    """The model is refused; .errors (and .details, as dicts) name every problem found."""

    code = "definition_invalid"

    def __init__(self, errors: Sequence[ElementError], message: str | None = None):
        self.errors = list(dict.fromkeys(errors))
        super().__init__(message or _summary(self.errors),
                         details=[error.as_dict() for error in self.errors])


def _summary(errors: list[ElementError]) -> str:
    shown = [f"{e.element_id}: {e.message}" if e.element_id else e.message for e in errors[:3]]
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    count = f"{len(errors)} problem{'s' if len(errors) != 1 else ''}"
    return f"the model is refused, {count}: " + "; ".join(shown) + more


@dataclass(frozen=True)
class ParsedDefinition:
    key: str
    name: str | None
    spec: BpmnProcessSpec
    subprocess_specs: dict
    content_hash: str
    bpmn_xml: str
    dmn_xml: list[str]


def content_hash(bpmn: bytes, dmn: Sequence[bytes] = ()) -> str:
    """sha256 over the BPMN bytes and the DMN bytes in sorted order, each length-prefixed so
    that no two different bundles share a hash. The same content always gives the same hash."""
    digest = hashlib.sha256()
    for part in (_as_bytes(bpmn), *sorted(_as_bytes(d) for d in dmn)):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def parse_definition(bpmn: bytes, dmn: Sequence[bytes] = (), *,
                     max_bytes: int = DEFAULT_MAX_BYTES,
                     forms_dir: Path | None = None) -> ParsedDefinition:
    """raises DefinitionInvalid listing EVERY problem found, each naming the element."""
    try:
        return _parse(bpmn, list(dmn), max_bytes, forms_dir)
    except DefinitionInvalid:
        raise
    except Exception as exc:  # a model must never crash the caller
        raise DefinitionInvalid([ElementError(
            None, f"the model could not be read: {type(exc).__name__}: {exc}")]) from exc


def _parse(bpmn, dmn: list, max_bytes: int, forms_dir: Path | None) -> ParsedDefinition:
    errors: list[ElementError] = []
    bpmn_root = _read(bpmn, "the BPMN file", max_bytes, errors)
    dmn_roots = [_read(d, f"DMN file {i + 1}", max_bytes, errors) for i, d in enumerate(dmn)]
    if errors:
        raise DefinitionInvalid(errors)
    errors += _document_kind(bpmn_root, dmn_roots)
    if errors:
        raise DefinitionInvalid(errors)
    errors += _schema_errors(bpmn_root, "the BPMN file", _bpmn_schema())
    for i, root in enumerate(dmn_roots):
        errors += _schema_errors(root, f"DMN file {i + 1}", _dmn_schema(root))
    if errors:  # a structurally broken document would only produce misleading follow-ups
        raise DefinitionInvalid(errors)

    key, runnable, process_errors = _main_process(bpmn_root)
    errors += process_errors
    errors += validate_bpmn(bpmn_root, runnable, forms_dir)
    for root in dmn_roots:
        errors += validate_dmn(root)
    store_errors = _data_store_errors(bpmn_root)
    errors += store_errors
    spec = subprocess_specs = None
    if key is not None and not store_errors:
        spec, subprocess_specs = _spiff_specs(bpmn_root, dmn_roots, key, errors)
    if errors:
        raise DefinitionInvalid(errors)
    main = next(p for p in bpmn_root.iterfind(f"{{{BPMN}}}process") if p.get("id") == key)
    return ParsedDefinition(
        key=key,
        name=main.get("name"),
        spec=spec,
        subprocess_specs=subprocess_specs,
        content_hash=content_hash(bpmn, dmn),
        bpmn_xml=_as_text(bpmn, bpmn_root),
        dmn_xml=[_as_text(d, root) for d, root in zip(dmn, dmn_roots, strict=True)],
    )


def _read(data, label: str, max_bytes: int, errors: list):
    try:
        return read_xml(data, max_bytes=max_bytes)
    except XmlRefused as refused:
        errors.append(ElementError(None, f"{label}: {refused.message}"))


def _document_kind(bpmn_root, dmn_roots) -> list[ElementError]:
    errors = []
    if bpmn_root.tag != f"{{{BPMN}}}definitions":
        errors.append(ElementError(None, "the BPMN file is not a BPMN 2.0 model (its root "
                                         f"element is {bpmn_root.tag}, not bpmn:definitions)"))
    for i, root in enumerate(dmn_roots):
        name = etree.QName(root)
        if name.localname != "definitions" or "DMN" not in (name.namespace or ""):
            errors.append(ElementError(None, f"DMN file {i + 1} is not a DMN model (its root "
                                             f"element is {root.tag})"))
    return errors


def _main_process(root) -> tuple[str | None, list[str], list[ElementError]]:
    """(key of the one main executable process, ids of processes that will run, errors)."""
    processes = [p.get("id") for p in root.iterfind(f"{{{BPMN}}}process")]
    executable = [p.get("id") for p in root.iterfind(f"{{{BPMN}}}process")
                  if p.get("isExecutable") == "true"]
    called = {c.get("calledElement") for c in root.iter(f"{{{BPMN}}}callActivity")}
    main = [pid for pid in executable if pid not in called]
    runnable = list(dict.fromkeys(executable + [pid for pid in processes if pid in called]))
    if not processes:
        return None, [], [ElementError(None, "the model has no process")]
    if not executable:
        return None, [], [ElementError(pid, f"process {pid} is not executable (isExecutable "
                                            "is not true)") for pid in processes]
    if len(main) > 1:
        names = ", ".join(main)
        return None, runnable, [ElementError(pid, f"process {pid} is one of {len(main)} main "
                                                  f"executable processes ({names}); a model "
                                                  "must have exactly one process that no call "
                                                  "activity calls") for pid in main]
    if not main:
        return None, runnable, [ElementError(None, "every executable process is called by a "
                                                   "call activity, so none can start a case")]
    return main[0], runnable, []


def _data_store_errors(root) -> list[ElementError]:
    return [ElementError(store.get("id"), f"data store {store.get('name') or store.get('id')!r}"
                                          " is not supported: the engine has no data stores")
            for store in root.iter(f"{{{BPMN}}}dataStore")]


def _spiff_specs(bpmn_root, dmn_roots, key: str, errors: list):
    """SpiffWorkflow's own parse (timers on our clock); it stops at its first problem,
    which joins `errors`."""
    parser = ClockBpmnParser()
    try:
        parser.add_bpmn_xml(bpmn_root, filename=BPMN_FILE)
        for i, root in enumerate(dmn_roots):
            parser.add_dmn_xml(root, filename=f"decision-{i + 1}.dmn")
        for dmn_parser in parser.dmn_parsers.values():
            dmn_parser.parse()
        spec = parser.get_spec(key)
        return spec, parser.get_subprocess_specs(key, require_call_activity_specs=False)
    except Exception as exc:
        error = _from_spiff(exc)
        if not any(e.element_id == error.element_id for e in errors if e.element_id):
            errors.append(error)  # else it repeats, less clearly, what our checks said there
        return None, None


def _from_spiff(exc: Exception) -> ElementError:
    message = str(exc.args[0]) if exc.args else type(exc).__name__
    notes = getattr(exc, "notes", None)
    if notes:
        message = f"{message} ({'; '.join(str(n) for n in notes)})"
    if not isinstance(exc, ValidationException):
        message = f"{type(exc).__name__}: {message}"
    element_id = getattr(exc, "id", None) or None
    file_name = getattr(exc, "file_name", "") or ""
    if element_id is None and file_name and file_name != BPMN_FILE:
        message = f"{file_name}: {message}"
    return ElementError(element_id, message)


def _schema_errors(root, label: str, validator: BpmnValidator | None) -> list[ElementError]:
    """Every schema violation (not just the last, as SpiffWorkflow reports), by element."""
    if validator is None:
        return []
    validator.preprocess(root)
    if validator.validator.validate(root):
        return []
    by_line = _elements_by_line(root)
    errors = []
    for entry in list(validator.validator.error_log)[:MAX_SCHEMA_ERRORS]:
        errors.append(ElementError(by_line.get(entry.line),
                                   f"{label} breaks the schema at line {entry.line}: "
                                   f"{entry.message}"))
    return errors


def _elements_by_line(root) -> dict[int, str]:
    """Source line → id of the element starting there (or of its nearest ancestor with one)."""
    by_line: dict[int, str] = {}
    for element in root.iter(etree.Element):
        holder = element
        while holder is not None and holder.get("id") is None:
            holder = holder.getparent()
        if holder is not None and element.sourceline not in by_line:
            by_line[element.sourceline] = holder.get("id")
    return by_line


_schemas = threading.local()  # lxml schema objects keep an error log: one per thread


def _bpmn_schema() -> BpmnValidator:
    if not hasattr(_schemas, "bpmn"):
        _schemas.bpmn = BpmnValidator(imports={"spiffworkflow": SPIFF_XSD})
    return _schemas.bpmn


def _dmn_schema(root) -> BpmnValidator | None:
    path = DMN_SCHEMAS.get(etree.QName(root).namespace)
    if path is None:
        return None
    cache = _schemas.__dict__.setdefault("dmn", {})
    if path not in cache:
        cache[path] = BpmnValidator(path)
    return cache[path]


def _as_bytes(data) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _as_text(data, root) -> str:
    """The upload as text, byte for byte (so its hash can be recomputed from what is stored)."""
    if isinstance(data, str):
        return data
    encoding = root.getroottree().docinfo.encoding or "utf-8"
    return bytes(data).decode(encoding)
