"""The annex documents of one case as its pages list them: each document its procedure uses
(the spec's `processes`), whether the case already holds every value the document prints,
and the files recorded for its signed or sealed steps.

    case_documents(session, system, caller, instance_id) -> list[CaseDocument]

A value is missing when the document would print it as a blank line (render.plain): the
document can still be downloaded and the blank filled by hand, but it is not ready. Missing
values are named by the label of the spec's field that prints them, else by their meaning
below. Scope: as the case (outside it: NotFound).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..persistence.publication_tables import GeneratedDocument
from ..persistence.tables import ProcessInstance
from .context import BLANK, CaseValues, case_values
from .generation import documents_of_case
from .render import PLACEHOLDER, plain, value_of
from .specs import DocumentSpec, specs_for_process

VALUE_LABELS = {
    "case_id": "案件编号", "date": "日期", "year": "年度", "report_month": "汇总月份",
    "jurisdiction_name": "辖区", "district_name": "所在区县", "enterprise_name": "单位名称",
    "credit_code": "统一社会信用代码", "legal_representative": "法定代表人",
    "principal": "主要负责人", "safety_lead": "分管安全负责人",
    "industry_authority_name": "行业主管部门", "register_label": "纳入名单",
    "reasons": "纳入理由", "clauses": "依据条款", "providing_department_name": "信息提供部门",
    "starts_on": "管理起始日期", "ends_on": "管理截止日期", "term_text": "管理期限",
    "data.defence_deadline": "申辩期限", "data.removal_reason": "移出原因",
    "data.applied_on": "申请日期",
}


@dataclass(frozen=True)
class CaseDocument:
    kind: str
    title: str
    annex: str
    clause: str
    missing: tuple[str, ...]
    records: tuple[GeneratedDocument, ...]

    @property
    def available(self) -> bool:
        return not self.missing


def case_documents(session: Session, system, caller, instance_id: int) -> list[CaseDocument]:
    records = documents_of_case(session, caller, instance_id)
    instance = session.get(ProcessInstance, instance_id)
    specs = specs_for_process(system.settings, instance.process_key)
    if not specs:
        return []
    case = case_values(session, system, caller, instance)
    return [CaseDocument(spec.kind, spec.title, spec.annex, spec.clause,
                         missing_values(spec, case),
                         tuple(r for r in records if r.kind == spec.kind))
            for spec in specs]


def missing_values(spec: DocumentSpec, case: CaseValues) -> tuple[str, ...]:
    """The labels of the values `spec` prints that the case does not hold yet, in the
    order the document prints them."""
    labelled = [(None, spec.number or ""), *((None, t) for t in spec.paragraphs),
                *((label, text) for label, text in spec.fields),
                *((None, t) for t in (*spec.closing, *spec.receipt))]
    missing: dict[str, None] = {}
    for label, text in labelled:
        for name in PLACEHOLDER.findall(text):
            if name != "blank" and plain(value_of(case, name)) == BLANK:
                missing[label or VALUE_LABELS.get(name, name)] = None
    return tuple(missing)

