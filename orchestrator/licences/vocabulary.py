"""The words of a licence, each with its Chinese name: the categories of the 行政许可
"双公示" data standard and the ways the Administrative Licensing Law ends a licence."""

from __future__ import annotations

# 许可类别 of the double publicity's data standard.
CATEGORIES = {
    "general": "普通",
    "special": "特许",
    "recognition": "认可",
    "approval": "核准",
    "registration": "登记",
    "other": "其他",
}

VALID = "valid"
# How a licence stops being valid. 撤回 (《行政许可法》第八条: the law or the circumstances
# it rested on changed), 撤销 (第六十九条: it should not have been granted), 注销 (第七十条:
# it ended and is deregistered), 吊销 (an administrative penalty, 《行政处罚法》第九条).
ENDINGS = {
    "withdrawn": "撤回",
    "annulled": "撤销",
    "cancelled": "注销",
    "revoked": "吊销",
}
STATUSES = {VALID: "有效", **ENDINGS}
