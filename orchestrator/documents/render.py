"""Spec + case values → the bytes of a DOCX file.

Chinese text needs an East Asian font named in the run properties, or Word falls back to
whatever it likes: every style (and the document defaults) gets rFonts eastAsia = 宋体
(ascii/hAnsi = SimSun), the title 黑体. The bytes are reproducible: the package's file
times and the core properties carry the instant passed in (the system clock's), not the
wall clock of the zip library, so the SHA-256 recorded for a signed document identifies
exactly what was handed out.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from ..clock import SHANGHAI
from .context import BLANK, CaseValues, chinese_date
from .specs import DocumentSpec

BODY_FONT, BODY_FONT_LATIN, TITLE_FONT = "宋体", "SimSun", "黑体"
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[A-Za-z0-9_]+)?)\}")


def fill(text: str, case: CaseValues) -> str:
    """Replace each {name} / {data.field}; unknown or empty values print as a blank."""
    return PLACEHOLDER.sub(lambda match: plain(value_of(case, match.group(1))), text)


def value_of(case: CaseValues, name: str):
    """The raw value of placeholder `name` ("enterprise_name", "data.month"), or None."""
    return case.data.get(name[5:]) if name.startswith("data.") else case.values.get(name)


def plain(raw) -> str:
    if raw is None or raw == "":
        return BLANK
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, datetime | date):
        return chinese_date(raw)
    if isinstance(raw, list | tuple):
        return "、".join(plain(item) for item in raw) or BLANK
    return str(raw)


def render(spec: DocumentSpec, case: CaseValues, at: datetime) -> bytes:
    document = Document()
    _cjk_fonts(document)
    properties = document.core_properties
    properties.title, properties.author, properties.subject = spec.title, "wsc", spec.annex
    properties.created = properties.modified = at.replace(microsecond=0)
    properties.last_modified_by = "wsc"
    if spec.annex:
        document.add_paragraph(spec.annex)
    title = document.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(spec.title)
    if spec.number:
        _centered(document, fill(spec.number, case))
    for text in spec.paragraphs:
        document.add_paragraph(fill(text, case))
    if spec.fields:
        _table(document, [(label, fill(text, case)) for label, text in spec.fields])
    if spec.table:
        _rows_table(document, spec.table, case)
    for label, role in spec.signatures:
        document.add_paragraph(_signature_line(label, case.signer(role)))
    if case.sign_offs and spec.signatures:
        _sign_off_record(document, case)
    for text in spec.closing:
        document.add_paragraph(fill(text, case)).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for text in spec.receipt:
        document.add_paragraph(fill(text, case))
    buffer = io.BytesIO()
    document.save(buffer)
    return _stamped(buffer.getvalue(), at)


def _signature_line(label: str, sign_off) -> str:
    if sign_off is None:
        return f"{label}（签字）：{BLANK}　　日期：{BLANK}"
    seal = "　（已加盖公章）" if sign_off.sealed else ""
    return (f"{label}（签字）：{sign_off.signer_name}　　日期："
            f"{chinese_date(sign_off.signed_at)}{seal}")


def _sign_off_record(document, case: CaseValues) -> None:
    document.add_paragraph("审签记录")
    rows = [("环节", "签字人", "意见", "时间", "公章")]
    decisions = {"approve": "同意", "reject": "不同意"}
    for sign_off in case.sign_offs:
        rows.append((sign_off.element_id, sign_off.signer_name,
                     decisions.get(sign_off.decision, sign_off.decision or ""),
                     sign_off.signed_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                     "已盖章" if sign_off.sealed else ""))
    _grid(document, rows)


def _rows_table(document, table: dict, case: CaseValues) -> None:
    rows = case.rows[table["rows"]]()
    header = tuple(label for label, _key in table["columns"])
    body = [tuple(str(number) if key == "index" else plain(row.get(key))
                  for _label, key in table["columns"])
            for number, row in enumerate(rows, start=1)]
    _grid(document, [header, *body] if body else [header, ("无",) + ("",) * (len(header) - 1)])


def _table(document, pairs) -> None:
    _grid(document, pairs)


def _grid(document, rows) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for cells, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(cells.cells, values, strict=True):
            cell.text = value


def _centered(document, text: str) -> None:
    document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.CENTER


def _cjk_fonts(document) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        _set_fonts(defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")), BODY_FONT)
    for style in document.styles:
        if getattr(style, "font", None) is None:
            continue
        font = TITLE_FONT if style.name == "Title" else BODY_FONT
        _set_fonts(style.element.get_or_add_rPr(), font)
        if style.name == "Normal":
            style.font.size = Pt(12)


def _set_fonts(rpr, east_asian: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), BODY_FONT_LATIN)
    fonts.set(qn("w:hAnsi"), BODY_FONT_LATIN)
    fonts.set(qn("w:eastAsia"), east_asian)


def _stamped(package: bytes, at: datetime) -> bytes:
    """The same package with every member dated `at` (China time), in the same order."""
    local = at.astimezone(SHANGHAI)
    stamp = (max(local.year, 1980), local.month, local.day, local.hour, local.minute,
             local.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(member.filename))
    return out.getvalue()
