"""How things read on a page: instants in China time, the Chinese names of roles, statuses
and audit actions, and the engine's English messages in Chinese.

Everything stored stays as it is (UTC instants, English codes); only the page says it in
zh-CN. A message this module does not know is shown as the server wrote it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from orchestrator.clock import SHANGHAI

ROLE_NAMES = {
    "clerk": "经办人", "leader": "分管领导", "principal": "主要负责人",
    "designer": "流程设计", "admin": "系统管理员", "enterprise": "企业用户",
}
LEVEL_NAMES = {"ministry": "部", "province": "省", "city": "市", "district": "区（县）"}
INSTANCE_STATUS = {"running": "办理中", "completed": "已办结", "incident": "异常"}
TASK_STATE = {"open": "待办", "completed": "已完成", "cancelled": "已取消"}
AUDIT_ACTIONS = {
    "start": "发起案件", "claim": "认领任务", "unclaim": "退回认领", "assign": "指派任务",
    "complete": "办理完成", "end": "案件办结", "incident": "流程异常", "timer": "定时触发",
    "timer_fired": "定时触发", "escalate": "超期督办", "remind": "到期提醒",
}
DECISIONS = {"approve": "同意", "reject": "不同意，退回"}
DUE_SOON = timedelta(days=2)

_REQUIRED_WHEN = re.compile(r"^required when (.+)$")
_MAX_LENGTH = re.compile(r"^Longer than maximum length (\d+)\.$")
_FIXED = {
    "Missing data for required field.": "此项为必填项",
    "Field may not be null.": "此项为必填项",
    "Not a valid integer.": "请输入整数",
    "Not a valid number.": "请输入数字",
    "Not a valid date.": "请输入有效的日期（年-月-日）",
    "Not a valid boolean.": "请选择“是”或“否”",
    "Not a valid string.": "请输入文字",
    "Unknown field.": "表单中没有此项",
    # checks the register's operations make on a submitted task (orchestrator/register)
    "must be a fact of your enterprise": "须为本企业登记的事实编号",
    "must be an active entry of your enterprise": "须为本企业正在管理中的名单编号",
    "must be an active entry of the enterprise": "须为本企业正在管理中的名单编号",
    "must be entry or fact": "请选择名单或事实",
    "must be an ISO date": "请输入有效的日期（年-月-日）",
}


def china_time(value: datetime | None, with_time: bool = True) -> str:
    """'2026-03-02 17:30' in China time; '' for None."""
    if value is None:
        return ""
    local = value.astimezone(SHANGHAI)
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def due_state(due_at: datetime | None, now: datetime) -> str | None:
    """'overdue', 'soon' (within two days) or None: the flag the worklist shows."""
    if due_at is None:
        return None
    if due_at < now:
        return "overdue"
    return "soon" if due_at - now <= DUE_SOON else None


def field_message(message: str, labels: dict[str, str], choices: dict[str, dict]) -> str:
    """One validation message of a form field in Chinese. `labels` gives each field's label,
    `choices` each choice field's value → label, for "required when" conditions."""
    if message in _FIXED:
        return _FIXED[message]
    if message.startswith("Must be one of:"):
        return "请从给出的选项中选择"
    if match := _MAX_LENGTH.match(message):
        return f"不能超过 {match.group(1)} 个字"
    if match := _REQUIRED_WHEN.match(message):
        conditions = []
        for part in match.group(1).split(", "):
            name, _, value = part.partition(" is ")
            shown = choices.get(name, {}).get(value, value)
            conditions.append(f"「{labels.get(name, name)}」为「{shown}」")
        return "、".join(conditions) + "时必填"
    return message


CALENDAR_FIELDS = {"year": "年份", "holidays": "节假日", "workdays": "调休上班日", "source": "依据"}
WEEKDAYS = {"Monday": "星期一", "Tuesday": "星期二", "Wednesday": "星期三", "Thursday": "星期四",
            "Friday": "星期五", "Saturday": "星期六", "Sunday": "星期日"}
_CALENDAR_MESSAGES = (
    (re.compile(r"^name the State Council notice the dates come from$"),
     lambda m: "请填写日期所依据的国务院办公厅通知"),
    (re.compile(r"^is not in (\d+)$"), lambda m: f"不在 {m.group(1)} 年内"),
    (re.compile(r"^is a (\w+day): a 调休 workday is a Saturday or Sunday$"),
     lambda m: f"是{WEEKDAYS.get(m.group(1), m.group(1))}，调休上班日须为周六或周日"),
    (re.compile(r"^is also listed as a holiday$"), lambda m: "同时被列为节假日"),
    (re.compile(r"^is listed twice$"), lambda m: "重复列出"),
    (re.compile(r"^is not an ISO date \(YYYY-MM-DD\)$"), lambda m: "不是有效日期（年-月-日）"),
    (re.compile(r"^list at least one holiday$"), lambda m: "请至少列出一个节假日"),
    (re.compile(r"^must be a whole number$"), lambda m: "须为整数年份"),
)


def calendar_problem(field: str, key: str | None, message: str) -> str:
    """One problem load_year found, as a line in Chinese ("节假日 2030-12-31：不在 2031 年内")."""
    for pattern, say in _CALENDAR_MESSAGES:
        if match := pattern.match(message):
            message = say(match)
            break
    where = CALENDAR_FIELDS.get(field, field) + (f" {key}" if key else "")
    return f"{where}：{message}" if where else message


ERROR_TITLES = {
    "not_found": "没有找到", "forbidden": "无权操作", "claim_conflict": "任务已被认领",
    "conflict": "操作冲突", "invalid": "输入有误",
}


def error_text(code: str, message: str) -> str:
    """A short Chinese sentence for an engine error shown as a flash message."""
    known = {
        "claim_conflict": "该任务已被他人认领或已关闭。",
        "forbidden": "您没有办理此任务的权限。",
        "not_found": "没有找到该任务或案件，或它不在您的管辖范围内。",
    }
    return known.get(code, message)
