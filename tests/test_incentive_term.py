"""The 3-year term and its renewal (三(四)2(3)(4)) on the simulated clock, over HTTP, on both
databases: the enterprise and its industry authority are reminded exactly 3 months before
the term ends; a renewal application re-runs the grant and replaces the entry; a term that
ends without a new application goes to the removal procedure."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from test_incentive_support import (
    CHINA,
    GRANT_STEPS,
    HENGTAI,
    apply,
    case,
    cases_of,
    credit_status,
    grant,
    granted,
    incentive_client,
    move_clock,
    notifications,
    work,
)


@pytest.fixture
def client(db_url):
    yield from incentive_client(db_url)


REMINDER = "守信联合激励管理期限即将届满"
# Announced on 1 June 2026: the term ends on 1 June 2029, the reminder is due on
# add_months(2029-06-01, -3) = 1 March 2029, at 09:00 China time as the model says.
REMINDED_AT = datetime(2029, 3, 1, 9, 0, tzinfo=CHINA)
TERM_END = datetime(2029, 6, 1, 0, 0, tzinfo=CHINA)


def reminders(client, username: str) -> list[dict]:
    return [n for n in notifications(client, username) if n["title"] == REMINDER]


def test_the_renewal_reminder_comes_exactly_three_months_before_the_term_ends(client):
    _case_id, entry = granted(client)
    assert entry["ends_on"] == "2029-06-01"

    move_clock(client, REMINDED_AT - timedelta(seconds=1))
    assert reminders(client, "ent.hengtai") == []
    early = apply(client, renewal=True)
    assert early.status_code == 409  # the renewal window is not open yet

    moved = move_clock(client, REMINDED_AT)
    assert moved["fired"] == 1
    [reminder] = reminders(client, "ent.hengtai")
    created = datetime.fromisoformat(reminder["created_at"].replace("Z", "+00:00"))
    assert timedelta(0) <= created - REMINDED_AT < timedelta(seconds=1)  # the clock ticks on
    assert "2029-06-01" in reminder["body"]
    assert len(reminders(client, "fc.jxj.clerk")) == 1  # the industry authority too
    assert credit_status(client)["green_channel"] is True


def test_a_term_that_ends_without_a_new_application_goes_to_removal(client):
    grant_case, entry = granted(client)
    move_clock(client, TERM_END - timedelta(seconds=1))
    assert cases_of(client, "incentive_removal") == []
    assert credit_status(client, on=date(2029, 5, 31))["green_channel"] is True

    move_clock(client, TERM_END)
    assert case(client, grant_case)["status"] == "completed"
    [removal] = cases_of(client, "incentive_removal")
    detail = case(client, removal["id"])
    assert detail["data"]["grounds"] == "term_ended"
    assert detail["data"]["origin_instance"] == grant_case
    assert detail["data"]["incentive_entry"]["id"] == entry["id"]
    [notice] = detail["open_tasks"]
    assert (notice["element_id"], notice["org_unit_id"]) == ("removal_notice", "sc-my-fc-jxj")
    assert credit_status(client)["green_channel"] is False  # the term is over

    work(client, "fc.jxj.clerk", removal["id"], "removal_notice", {
        "grounds": "term_ended", "reason": "管理期限届满未再次提出申请",
        "removal_evidence": "公告及申请登记"})
    work(client, "ent.hengtai", removal["id"], "sign_notice",
         {"legal_representative": "张建国", "signed": True})
    work(client, "fc.clerk", removal["id"], "district_verify",
         {"verification": "期满未申请，情况属实", "decision": "approve"})
    for username, element in (("fc.principal", "district_principal_sign"),
                              ("my.clerk", "city_review"), ("my.principal", "city_principal_sign"),
                              ("sc.clerk", "province_review"),
                              ("sc.principal", "province_principal_sign"),
                              ("mem.clerk", "ministry_review")):
        work(client, username, removal["id"], element, {"decision": "approve"})
    done = work(client, "mem.principal", removal["id"], "ministry_approve",
                {"decision": "approve"})
    assert done["status"] == "completed"
    assert done["data"]["removal"]["status"] == "removed"
    assert cases_of(client, "joint_punishment_entry") == []  # an expiry is no blacklist


def test_a_renewal_re_runs_the_grant_and_replaces_the_entry(client):
    grant_case, entry = granted(client)
    move_clock(client, REMINDED_AT)
    renewal = apply(client, renewal=True)
    assert renewal.status_code == 201, renewal.get_json()
    renewal_case = renewal.get_json()["id"]
    assert renewal.get_json()["data"]["renewal_of"] == entry["id"]
    detail = grant(client, renewal_case, GRANT_STEPS[:-1])
    detail = work(client, "mem.clerk", renewal_case, "publicity", {
        "publicity_from": "2029-03-01", "publicity_to": "2029-03-07", "decision": "approve"})
    renewed = detail["data"]["incentive_entry"]
    assert (renewed["starts_on"], renewed["ends_on"]) == ("2029-03-01", "2032-03-01")

    move_clock(client, TERM_END)
    assert case(client, grant_case)["status"] == "completed"
    assert case(client, grant_case)["data"]["term"]["entry"]["status"] == "renewed"
    assert cases_of(client, "incentive_removal") == []
    status = credit_status(client)
    assert status["green_channel"] is True and status["incentive"]["id"] == renewed["id"]
    assert HENGTAI.credit_code == status["enterprise"]["credit_code"]
