"""Worklist pages are chosen on ids from the claimable queue's partial index (migration
0009): every page, filtered or not, must still be the right slice of the list, oldest first,
with the total of the whole list, and a claim must move a task out of the queue."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine_helpers import caller, deploy_file, make_system
from orchestrator.runtime import cases
from orchestrator.worklist import actions
from orchestrator.worklist.queries import TaskFilters, worklist

MODEL = Path(__file__).parent / "models" / "review_loop.bpmn"
CASES = 7
NO_FILTERS = TaskFilters()


@pytest.fixture
def system(db_url):
    system = make_system(db_url)
    yield system
    system.close()


@pytest.fixture
def clerk(system):
    """fc.clerk with CASES open tasks in the claimable queue of 涪城区's clerks; the first
    two cases start at the same instant, so their order falls to the task id."""
    key, _ = deploy_file(system, MODEL)
    clerk = caller(system, "fc.clerk")
    for n in range(CASES):
        if n > 1:
            system.clock.advance(timedelta(minutes=1))
        with system.database.transaction() as session:
            cases.start(session, system, clerk.actor, key, "sc-my-fc",
                        {"rounds": 0, "limit": 10**9})
    return clerk


def page(system, who, view, number, per_page=3, filters=NO_FILTERS):
    with system.database.transaction() as session:
        tasks, total = worklist(session, who, view, filters, number, per_page)
        return [(t.created_at, t.id) for t in tasks], total


def test_pages_are_consecutive_slices_of_the_list_oldest_first(system, clerk):
    whole, total = page(system, clerk, "claimable", 1, per_page=200)
    assert total == CASES and whole == sorted(whole)
    pages = [page(system, clerk, "claimable", n) for n in (1, 2, 3, 4)]
    assert [p[1] for p in pages] == [CASES] * 4
    assert [row for p, _ in pages for row in p] == whole
    assert pages[-1][0] == []  # beyond the end: empty, the total still told


def test_filters_and_claims_keep_the_total_and_the_slice_right(system, clerk):
    whole, _ = page(system, clerk, "claimable", 1, per_page=200)
    with system.database.transaction() as session:
        actions.claim(session, system, clerk, whole[1][1])
    rest = [row for row in whole if row != whole[1]]
    assert page(system, clerk, "claimable", 2) == (rest[3:6], CASES - 1)
    assert page(system, clerk, "mine", 1) == ([whole[1]], 1)
    later = TaskFilters(created_from=whole[2][0], process_key="review_loop")
    assert page(system, clerk, "claimable", 1, filters=later) == (rest[1:4], CASES - 2)
    assert page(system, clerk, "claimable", 1,
                filters=TaskFilters(process_key="other")) == ([], 0)
