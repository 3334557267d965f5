"""The organisation directory: lanes resolve relative to the case's district, so one model
serves every district; read scope follows the tree."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import insert, select

from orchestrator.errors import InvalidInput, NotFound
from orchestrator.organisation.directory import (
    DirectoryCache,
    LaneUnresolvable,
    OrgDirectory,
    UnitInfo,
)
from orchestrator.persistence.tables import OrgUnit

FC, YX = "sc-my-fc", "sc-my-yx"


@pytest.fixture
def directory(db) -> OrgDirectory:
    with db.transaction() as session:
        return OrgDirectory.load(session)


@pytest.mark.parametrize(
    "lane, fc_unit, yx_unit",
    [
        ("district:clerk", FC, YX),
        ("district:principal", FC, YX),
        ("city:clerk", "sc-my", "sc-my"),
        ("city:principal", "sc-my", "sc-my"),
        ("province:leader", "sc", "sc"),
        ("ministry:principal", "mem", "mem"),
        ("district:执法大队:clerk", f"{FC}-zfdd", f"{YX}-zfdd"),
        ("district:安监一股:leader", f"{FC}-aj1", f"{YX}-aj1"),
        ("district:安监二股:clerk", f"{FC}-aj2", f"{YX}-aj2"),
        ("district:职卫股:clerk", f"{FC}-zw", f"{YX}-zw"),
        ("district:区经济和信息化局:principal", f"{FC}-jxj", f"{YX}-jxj"),
        (" district : 执法大队 : leader ", f"{FC}-zfdd", f"{YX}-zfdd"),
    ],
)
def test_lane_resolves_relative_to_the_case_district(directory, lane, fc_unit, yx_unit):
    role = lane.split(":")[-1].strip()
    assert directory.resolve_lane(FC, lane) == (fc_unit, role)
    assert directory.resolve_lane(YX, lane) == (yx_unit, role)


def test_district_principal_differs_between_districts_but_city_clerk_does_not(directory):
    assert directory.resolve_lane(FC, "district:principal") != directory.resolve_lane(
        YX, "district:principal"
    )
    assert directory.resolve_lane(FC, "city:clerk") == directory.resolve_lane(YX, "city:clerk")


@pytest.mark.parametrize(
    "jurisdiction, lane, reason",
    [
        (FC, "district:manager", "bad role 'manager'"),
        (FC, "county:clerk", "unknown level 'county'"),
        (FC, "district:消防大队:clerk", "no unit named '消防大队' under 涪城区应急管理局"),
        (FC, "city:执法大队:clerk", "no unit named '执法大队' under 绵阳市应急管理局"),
        (FC, "clerk", "a lane is <level>:<role>"),
        (FC, "district:执法大队:clerk:extra", "a lane is <level>:<role>"),
        (FC, "district::clerk", "a lane is <level>:<role>"),
        ("sc-my", "district:clerk", "the jurisdiction must be a district, not a city"),
        (f"{FC}-zfdd", "district:clerk", "must be a district, not a business_unit"),
        ("nowhere", "district:clerk", "no such org unit"),
    ],
)
def test_bad_lane_names_lane_jurisdiction_and_reason(directory, jurisdiction, lane, reason):
    with pytest.raises(LaneUnresolvable) as error:
        directory.resolve_lane(jurisdiction, lane)
    assert isinstance(error.value, InvalidInput)
    assert repr(lane) in error.value.message
    assert repr(jurisdiction) in error.value.message
    assert reason in error.value.message
    assert error.value.details["lane"] == lane
    assert error.value.details["jurisdiction"] == jurisdiction


def _unit(unit_id: str, kind: str, parent: UnitInfo | None, name: str | None = None) -> UnitInfo:
    path = f"{parent.path if parent else '/'}{unit_id}/"
    return UnitInfo(unit_id, name or unit_id, kind, parent.id if parent else None, path)


def test_missing_level_above_the_district_is_named():
    city = _unit("c", "city", None)
    district = _unit("d", "district", city, "某区应急管理局")
    directory = OrgDirectory([city, district])
    with pytest.raises(LaneUnresolvable, match="no province above 某区应急管理局"):
        directory.resolve_lane("d", "province:clerk")


def test_two_units_of_one_name_make_the_lane_ambiguous():
    district = _unit("d", "district", None)
    first = _unit("d-1", "business_unit", district, "执法大队")
    second = _unit("d-2", "business_unit", district, "执法大队")
    directory = OrgDirectory([district, first, second])
    with pytest.raises(LaneUnresolvable, match="2 units named '执法大队'"):
        directory.resolve_lane("d", "district:执法大队:clerk")


def test_unit_and_level(directory):
    fc = directory.unit(FC)
    assert (fc.name, fc.kind, fc.parent_id, fc.path) == (
        "涪城区应急管理局",
        "district",
        "sc-my",
        "/mem/sc/sc-my/sc-my-fc/",
    )
    assert [directory.level_of(u) for u in ("mem", "sc", "sc-my", FC)] == [
        "ministry",
        "province",
        "city",
        "district",
    ]
    assert directory.level_of(f"{FC}-zfdd") == "district"
    assert directory.level_of(f"{YX}-jxj") == "district"
    with pytest.raises(NotFound):
        directory.unit("nowhere")


def test_department_staff_read_their_whole_district(directory):
    assert directory.scope_root(f"{FC}-zfdd") == FC
    assert directory.scope_root(f"{FC}-jxj") == FC
    assert directory.scope_root(FC) == FC
    assert directory.scope_root("sc-my") == "sc-my"
    assert directory.scope_root("mem") == "mem"


def test_scope_is_the_subtree(directory):
    assert directory.in_scope(FC, FC)
    assert directory.in_scope(FC, f"{FC}-aj2")
    assert not directory.in_scope(FC, YX)
    assert not directory.in_scope(FC, f"{YX}-aj2")
    assert not directory.in_scope(FC, "sc-my")
    assert directory.in_scope("sc-my", f"{YX}-zfdd")
    assert directory.in_scope("mem", f"{FC}-jxj")
    assert not directory.in_scope(FC, "nowhere")
    assert not directory.in_scope("nowhere", FC)


def test_a_sibling_whose_id_extends_another_is_not_in_its_scope():
    city = _unit("c", "city", None)
    short, long = _unit("c-f", "district", city), _unit("c-fc", "district", city)
    directory = OrgDirectory([city, short, long])
    assert not directory.in_scope("c-f", "c-fc")


def test_descendant_prefix_selects_the_subtree_in_sql(db, directory):
    prefix = directory.descendant_prefix(FC)
    with db.transaction() as session:
        ids = set(session.scalars(select(OrgUnit.id).where(OrgUnit.path.startswith(prefix))))
    assert ids == {FC} | {f"{FC}-{s}" for s in ("aj1", "aj2", "zw", "zfdd", "jxj")}


def _row(unit_id: str, name: str, kind: str, parent_id: str, parent_path: str) -> dict:
    return {"id": unit_id, "name": name, "kind": kind, "parent_id": parent_id,
            "path": f"{parent_path}{unit_id}/"}  # fmt: skip


def test_ten_thousand_units_load_and_resolve_quickly(db):
    """1 city, 2,000 districts, 4 departments each: 10,001 units on top of the demo."""
    rows = [_row("big", "大市", "city", "sc", "/mem/sc/")]
    for d in range(2000):
        district = _row(f"big-{d}", f"区{d}", "district", "big", "/mem/sc/big/")
        rows.append(district)
        for n, name in enumerate(("安监一股", "安监二股", "职卫股", "执法大队")):
            unit_id = f"big-{d}-{n}"
            rows.append(_row(unit_id, name, "business_unit", district["id"], district["path"]))
    with db.transaction() as session:
        session.execute(insert(OrgUnit), rows)

    started = time.perf_counter()
    with db.transaction() as session:
        directory = OrgDirectory.load(session)
    loaded = time.perf_counter()
    for d in range(2000):
        directory.resolve_lane(f"big-{d}", "district:执法大队:clerk")
        directory.resolve_lane(f"big-{d}", "province:leader")
    resolved = time.perf_counter()

    assert len(directory) >= 10_000
    assert loaded - started < 2.0
    assert resolved - loaded < 0.5
    assert directory.resolve_lane("big-7", "city:clerk") == ("big", "clerk")


def test_cache_reuses_one_directory_until_invalidated(db):
    cache = DirectoryCache()
    first = cache.get(db)
    assert cache.get(db) is first
    with db.transaction() as session:
        session.add(OrgUnit(id=f"{FC}-new", name="新股", kind="business_unit", parent_id=FC,
                            path=f"/mem/sc/sc-my/{FC}/{FC}-new/"))  # fmt: skip
    assert f"{FC}-new" not in cache.get(db)

    cache.invalidate(db)
    refreshed = cache.get(db)
    assert refreshed is not first
    assert refreshed.resolve_lane(YX, "district:clerk") == (YX, "clerk")
    assert refreshed.resolve_lane(FC, "district:新股:clerk") == (f"{FC}-new", "clerk")


def test_cache_loads_inside_the_callers_transaction(db):
    """On SQLite a second transaction would wait for the caller's: the session is reused."""
    cache = DirectoryCache()
    with db.transaction() as session:
        directory = cache.get(db, session)
    assert cache.get(db) is directory
    cache.invalidate()
    assert cache.get(db) is not directory


def test_cache_loads_once_under_concurrent_gets(db, monkeypatch):
    loads = []
    original = OrgDirectory.load.__func__

    def counting_load(cls, session):
        loads.append(1)
        time.sleep(0.05)
        return original(cls, session)

    monkeypatch.setattr(OrgDirectory, "load", classmethod(counting_load))
    cache = DirectoryCache()
    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get(db))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert len(results) == 8 and all(r is results[0] for r in results)
