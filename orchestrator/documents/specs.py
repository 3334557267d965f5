"""Document specs: one JSON file per kind in `<forms_dir>/documents/`, so the wording of a
notice or the columns of a summary change without a release. A spec names

    title, annex, clause     the heading and where the form comes from
    processes                the process keys whose cases use it (the case and task pages
                             list these; any kind stays downloadable from any case)
    number                   a document number line (optional)
    paragraphs               text, top to bottom
    fields                   [label, text] rows of a two-column table
    table                    {"rows": <row source>, "columns": [[header, key], ...]}
    signatures               [label, role]: filled from the case's latest sign-off in that role
    closing, receipt         lines at the end (issuer and date; the enterprise's signature)

Texts hold placeholders `{name}` from the case's values (context.py lists them) and
`{data.<field>}` from the case data; a value that is not known prints as a blank line to
fill by hand. Specs are checked when read: an unknown row source or a malformed entry is
InvalidInput naming the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput, NotFound

ROW_SOURCES = ("entries_of_month", "case_rows")
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


@dataclass(frozen=True)
class DocumentSpec:
    kind: str
    title: str
    annex: str
    clause: str
    processes: tuple[str, ...]
    number: str | None
    paragraphs: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]
    table: dict | None
    signatures: tuple[tuple[str, str], ...]
    closing: tuple[str, ...]
    receipt: tuple[str, ...]


def documents_dir(settings) -> Path:
    return Path(settings.forms_dir) / "documents"


def document_kinds(settings) -> list[str]:
    return sorted(path.stem for path in documents_dir(settings).glob("*.json"))


def specs_for_process(settings, process_key: str) -> list[DocumentSpec]:
    """The specs that name `process_key` in their `processes`, in annex order (附件1, 附件2,
    ...: the order the procedure uses them)."""
    specs = (load_spec(settings, kind) for kind in document_kinds(settings))
    return sorted((spec for spec in specs if process_key in spec.processes),
                  key=lambda spec: (spec.annex, spec.kind))


def load_spec(settings, kind: str) -> DocumentSpec:
    path = documents_dir(settings) / f"{kind}.json"
    if not _KIND.match(kind or "") or not path.is_file():
        raise NotFound(f"no document {kind!r}",
                       {"kinds": document_kinds(settings)})
    raw = json.loads(path.read_text(encoding="utf-8"))
    problems = _problems(raw)
    if problems:
        raise InvalidInput(f"document spec {path.name} is not valid", problems)
    return DocumentSpec(
        kind=kind, title=raw["title"], annex=raw.get("annex", ""),
        clause=raw.get("clause", ""), processes=tuple(raw.get("processes", ())),
        number=raw.get("number"),
        paragraphs=tuple(raw.get("paragraphs", ())),
        fields=tuple(tuple(pair) for pair in raw.get("fields", ())),
        table=raw.get("table"),
        signatures=tuple(tuple(pair) for pair in raw.get("signatures", ())),
        closing=tuple(raw.get("closing", ())), receipt=tuple(raw.get("receipt", ())))


def _problems(raw) -> dict:
    if not isinstance(raw, dict):
        return {"spec": "must be an object"}
    problems = {}
    if not isinstance(raw.get("title"), str) or not raw["title"]:
        problems["title"] = "required text"
    for key in ("paragraphs", "closing", "receipt", "processes"):
        lines = raw.get(key, [])
        if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
            problems[key] = "a list of texts"
    for key in ("fields", "signatures"):
        if not all(_pair(item) for item in raw.get(key, ())):
            problems[key] = "a list of [label, text] pairs"
    table = raw.get("table")
    if table is not None:
        if not isinstance(table, dict) or table.get("rows") not in ROW_SOURCES:
            problems["table.rows"] = f"one of {', '.join(ROW_SOURCES)}"
        elif not table.get("columns") or not all(_pair(c) for c in table["columns"]):
            problems["table.columns"] = "a list of [header, key] pairs"
    return problems


def _pair(item) -> bool:
    return isinstance(item, list | tuple) and len(item) == 2 and all(
        isinstance(part, str) for part in item)
