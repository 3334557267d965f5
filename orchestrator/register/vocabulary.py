"""The register's words, each with the clause it comes from and its Chinese name: the kinds
of fact, how a fact was collected, accident severities, the registers and the statuses of
an entry. Every other module of the register, the API schemas and the decision tables use
these names; docs/register.md lists them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FactKind:
    name: str
    label: str
    clause: str | None
    """The clause the fact answers to; None for facts the criteria do not count directly."""


# The ten situations of 三(一)3 ((1) is computed from accidents), the graver facts of its last
# paragraph (the blacklist), and the accidents and penalties the criteria and the double
# publicity (三(一)1) need.
FACT_KINDS = {
    kind.name: kind
    for kind in (
        FactKind("accident", "生产安全事故", "三(一)3(1)"),
        FactKind("administrative_penalty", "行政处罚", "三(一)1"),
        FactKind("unlicensed_operation", "未取得安全生产许可擅自生产经营建设", "三(一)3(2)"),
        FactKind("major_hazard_unrectified", "重大隐患或职业病危害严重超标不整改仍冒险作业",
                 "三(一)3(3)"),
        FactKind("evading_supervision", "隐蔽、欺骗或阻碍等方式逃避、对抗监管监察", "三(一)3(4)"),
        FactKind("operating_while_suspended", "责令停产停业整顿仍生产经营建设", "三(一)3(5)"),
        FactKind("accident_concealment", "瞒报、谎报、迟报生产安全事故", "三(一)3(6)"),
        FactKind("unaccepted_safety_facilities", "高危行业建设项目安全设施未经验收即投入使用",
                 "三(一)3(7)"),
        FactKind("mining_beyond_boundary", "超层越界开采、以探代采", "三(一)3(8)"),
        FactKind("obstructing_investigation",
                 "破坏事故现场、伪造证据、妨碍事故调查或主要负责人逃逸", "三(一)3(9)"),
        FactKind("other_situation_by_superior", "上级部门规定的其他情形", "三(一)3(10)"),
        FactKind("serious_violation", "严重违法违规行为", "三(一)3 末段"),
        FactKind("bad_nature_accident", "性质恶劣、危害性重、社会影响较大的安全责任事故",
                 "三(一)3 末段"),
    )
}
ACCIDENT = "accident"
ADMINISTRATIVE_PENALTY = "administrative_penalty"

# 三(四)1(1): 执法检查、事故调查、群众举报核查、部门报送.
SOURCES = {
    "enforcement_inspection": "执法检查",
    "accident_investigation": "事故调查",
    "verified_public_report": "群众举报核查",
    "departmental_submission": "部门报送",
}

# Accident grades, least grave first: 一般、较大、重大、特别重大.
SEVERITIES = {
    "general": "一般事故",
    "larger": "较大事故",
    "major": "重大事故",
    "especially_major": "特别重大事故",
}
LARGER_OR_WORSE = frozenset({"larger", "major", "especially_major"})
MAJOR_OR_WORSE = frozenset({"major", "especially_major"})

FACT_STATUSES = ("recorded", "corrected", "withdrawn")

JOINT_PUNISHMENT = "joint_punishment"
BLACKLIST = "blacklist"
REGISTERS = {
    JOINT_PUNISHMENT: "安全生产失信联合惩戒对象",
    BLACKLIST: "安全生产不良记录“黑名单”",
}
# The graver register first: an enterprise meeting a blacklist criterion is a joint
# punishment object managed in the blacklist (三(一)3, last paragraph).
REGISTER_GRAVITY = (BLACKLIST, JOINT_PUNISHMENT)

PROPOSED, ACTIVE, REMOVED, WITHDRAWN = "proposed", "active", "removed", "withdrawn"
ENTRY_STATUSES = (PROPOSED, ACTIVE, REMOVED, WITHDRAWN)

PRINCIPAL = "principal"
