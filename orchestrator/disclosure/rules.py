"""What follows from an entry (三(二)) and what of it may be disclosed (三(一)1, 三(三)).

The consequences are the regulation's words, per register: a punished enterprise (joint
punishment, 三(一)3; the blacklist, its last paragraph) gets the restrictions of 三(二)2, an
enterprise in joint incentive (三(一)4) the green channel and the references of 三(二)1.
Other departments read them from the credit status ("what follows from it").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Consequence:
    code: str
    label: str
    clause: str


_NO_HONOURS = Consequence(
    "no_honours", "法定代表人、主要负责人一律取消评优评先资格，组织约谈、强制培训予以诫勉",
    "三(二)2")
_SECURITIES = Consequence(
    "strict_review_of_securities_and_financing",
    "审批发行股票、债券、再融资等事项时予以严格审查", "三(二)2")
_LAND = Consequence(
    "land_auction_limits", "参与土地出让公开竞争时依法予以限制或禁入", "三(二)2")
_SUPERVISION = Consequence(
    "key_supervision", "负有安全生产监督管理职责的部门实施重点监管监察", "三(二)2")
_EXPOSURE = Consequence(
    "public_exposure", "不良行为记录及时公开曝光；主要负责人同步纳入个人信用管理",
    "三(二)2, 三(一)6")
RESTRICTIONS = (_NO_HONOURS, _SECURITIES, _LAND, _SUPERVISION, _EXPOSURE)

_GREEN_CHANNEL = Consequence(
    "green_channel", "开辟“绿色通道”，在相关安全生产行政审批等工作中优先办理", "三(二)1")
_CREDIT_SERVICES = Consequence(
    "credit_services", "提供信用保险、信用担保、商业保理、履约担保、信用管理咨询及培训等服务",
    "三(二)1")
_REFERENCE = Consequence(
    "important_reference",
    "项目立项和改扩建、土地使用、贷款、融资、评优表彰及负责人年薪确定时作为重要参考", "三(二)1")
INCENTIVES = (_GREEN_CHANNEL, _CREDIT_SERVICES, _REFERENCE)

CONSEQUENCES = {
    "joint_punishment": RESTRICTIONS,
    "blacklist": RESTRICTIONS,
    "incentive": INCENTIVES,
}
PUNISHING = frozenset({"joint_punishment", "blacklist"})
INCENTIVE_REGISTERS = frozenset({"incentive"})
REGISTER_LABELS = {
    "joint_punishment": "安全生产失信联合惩戒对象",
    "blacklist": "安全生产不良记录“黑名单”",
    "incentive": "安全生产守信联合激励对象",
}

# The keys of a penalty fact's `details` that are part of the public record of an
# administrative penalty (双公示); anything else in `details` stays inside.
DISCLOSED_PENALTY_DETAILS = ("decision_number", "penalty_type", "legal_basis", "amount",
                             "violation")


# The columns of a licence that are its public record (双公示 行政许可: 文书号, 许可证书名称,
# 许可类别, 许可内容, 决定日期, 有效期); who recorded it and why it ended stay inside.
DISCLOSED_LICENCE_FIELDS = ("licence_number", "licence_name", "category", "content",
                            "decided_on", "valid_from", "valid_until")


def consequences_of(register: str) -> tuple[Consequence, ...]:
    return CONSEQUENCES.get(register, ())


def disclosed_penalty_details(details: dict | None) -> dict:
    return {key: value for key, value in (details or {}).items()
            if key in DISCLOSED_PENALTY_DETAILS}


def disclosed_licence(licence) -> dict:
    return {field: getattr(licence, field) for field in DISCLOSED_LICENCE_FIELDS}
