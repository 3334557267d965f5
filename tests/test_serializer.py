"""Task data is copied to and from its row without SpiffWorkflow's registry when it is
plain JSON; the result must be what the registry makes, and a new structure each way."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from orchestrator.runtime.serializer import REGISTRY, data_from_dict, data_to_dict

PLAIN = {"decision": "approve", "count": 3, "ratio": 0.5, "sealed": True, "comment": None,
         "名称": "涪城区", "nested": {"list": [1, "二", None, {"deep": [False]}]}, 7: "int key"}
TYPED = [
    {"at": datetime(2026, 11, 25, 9, 30, tzinfo=UTC)},
    {"nested": {"due": date(2026, 12, 2)}},
    {"list": [timedelta(days=3)]},
    {"pair": ("a", 1)},
    {"callable": len, "kept": 1},
]


@pytest.mark.parametrize("data", [PLAIN, *TYPED], ids=["plain", "datetime", "date",
                                                        "timedelta", "tuple", "callable"])
def test_to_and_from_a_row_as_the_registry_does(data):
    stored = data_to_dict(data)
    assert stored == REGISTRY.convert(REGISTRY.clean(data))
    assert data_from_dict(stored) == REGISTRY.restore(stored)


def test_copies_share_nothing_with_the_task_or_the_row():
    stored = data_to_dict(PLAIN)
    stored["nested"]["list"].append("changed")
    assert PLAIN["nested"]["list"] == [1, "二", None, {"deep": [False]}]
    restored = data_from_dict(stored)
    restored["nested"]["list"][3]["deep"].append(True)
    assert stored["nested"]["list"][3] == {"deep": [False]}


def test_a_stored_object_tagged_with_its_typename_is_restored_by_the_registry():
    stored = data_to_dict({"at": datetime(2026, 11, 25, 9, 30, tzinfo=UTC)})
    assert stored["at"]["typename"] == "datetime"
    assert data_from_dict(stored) == {"at": datetime(2026, 11, 25, 9, 30, tzinfo=UTC)}
