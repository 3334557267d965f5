"""The incentive's words, each with the clause it comes from: the six conditions of 三(一)4,
the kinds of incentive fact, the statuses of an incentive entry, the grounds of a removal
and the consequences of 三(二). The other modules, the API schemas and the models use these
names; docs/incentive.md lists them."""

from __future__ import annotations

from dataclasses import dataclass

# 三(一)4: 生产经营单位同时符合以下全部条件的 ... 纳入安全生产守信联合激励信息管理.
# The decision table reports each condition by its number; one it does not report is not met.
CONDITIONS = {
    1: ("三(一)4(1)", "公开向社会承诺并严格遵守安全生产与职业健康法律、法规、标准等有关规定"),
    2: ("三(一)4(2)", "生产经营单位及其主要负责人、分管安全负责人3年内无安全生产失信行为"),
    3: ("三(一)4(3)", "3年内未受到安全监管监察部门作出的行政处罚"),
    4: ("三(一)4(4)", "3年内未发生造成人员死亡的生产安全责任事故，未发现新发职业病病例"),
    5: ("三(一)4(5)", "安全生产标准化建设达到一级水平"),
    6: ("三(一)4(6)", "没有被其他行业领域认定为失信联合惩戒对象的记录"),
}


@dataclass(frozen=True)
class IncentiveFactKind:
    name: str
    label: str
    clause: str
    details: tuple[str, ...] = ()
    """Keys `details` must carry for this kind (e.g. the grade of a standardisation level)."""


# Facts the conditions need that no other part keeps: accidents, administrative penalties
# and the dishonest acts of 三(一)3 are the register's facts, the public safety commitments
# (三(一)2) are the enterprises' own publications (orchestrator/disclosure/commitments.py).
FACT_KINDS = {
    kind.name: kind
    for kind in (
        IncentiveFactKind("commitment_breach", "违反安全承诺", "三(一)4(1)"),
        IncentiveFactKind("personal_dishonesty", "主要负责人、分管安全负责人安全生产失信行为",
                          "三(一)4(2)", ("person",)),
        IncentiveFactKind("occupational_disease_case", "新发职业病病例", "三(一)4(4)"),
        IncentiveFactKind("standardisation_grade", "安全生产标准化建设等级", "三(一)4(5)",
                          ("level",)),
        IncentiveFactKind("other_field_joint_punishment", "被其他行业领域认定为失信联合惩戒对象",
                          "三(一)4(6)", ("field",)),
    )
}
PERSONS = {"principal": "主要负责人", "safety_lead": "分管安全负责人"}
STANDARDISATION_LEVELS = {1: "一级", 2: "二级", 3: "三级"}
FACT_STATUSES = ("recorded", "withdrawn")

ACTIVE, RENEWED, REMOVED = "active", "renewed", "removed"
ENTRY_STATUSES = (ACTIVE, RENEWED, REMOVED)
INCENTIVE = "incentive"
REGISTER_NAME = "安全生产守信联合激励对象"

# 三(四)2(3): no longer qualifying, or the term ended without a new application; obtained by
# false information, or a blacklist criterion met (these two also enter the blacklist).
REMOVAL_GROUNDS = {
    "no_longer_qualifying": "管理期间内不再符合守信激励条件",
    "term_ended": "管理期限届满未再次提出申请",
    "fraud": "通过报送虚假信息等不当手段取得联合激励资格",
    "blacklist_criterion": "有符合联合惩戒“黑名单”情形",
}

# The process models the incentive runs (processes/incentive_*.bpmn).
GRANT_PROCESS = "incentive_grant"
REMOVAL_PROCESS = "incentive_removal"
OBJECTION_PROCESS = "incentive_objection"

# 三(二)1 and 三(二)2: what follows from a credit status, in the regulation's words.
GREEN_CHANNEL_MEASURES = (
    "开辟“绿色通道”，在相关安全生产行政审批等工作中优先办理",
    "提供信用保险、信用担保、商业保理、履约担保、信用管理咨询及培训等服务",
    "在项目立项和改扩建、土地使用、贷款、融资和评优表彰及生产经营单位负责人年薪确定等方面"
    "将安全生产诚信结果作为重要参考",
)
PUNISHMENT_MEASURES = (
    "按照合作备忘录实施联合惩戒",
    "法定代表人、主要负责人一律取消评优评先资格",
    "审批发行股票、债券、再融资等事项时予以严格审查",
    "参与土地出让公开竞争时依法予以限制或禁入",
)
