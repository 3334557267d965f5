"""The demo organisation every test and `make run` start from: complete (someone to claim
every lane), valid (every code and ID number checks), idempotent, and documented."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from orchestrator.organisation.credit_code import validate_credit_code
from orchestrator.organisation.demo import DEMO_PASSWORD, demo_logins, load_demo
from orchestrator.organisation.directory import LANE_ROLES, LEVELS, OrgDirectory
from orchestrator.organisation.id_number import validate_id_number
from orchestrator.organisation.passwords import hash_password, verify_password
from orchestrator.persistence.tables import Enterprise, OrgUnit, User

DOC = Path(__file__).resolve().parent.parent / "docs" / "demo-logins.md"
DISTRICTS = ("sc-my-fc", "sc-my-yx")


def _snapshot(db) -> dict:
    """Every demo row as plain tuples, password hashes included."""
    with db.transaction() as session:
        return {
            table.__name__: sorted(
                tuple(getattr(row, column.key) for column in table.__table__.columns)
                for row in session.scalars(select(table))
            )
            for table in (OrgUnit, Enterprise, User)
        }


def test_demo_loads_with_the_expected_tree(db):
    snapshot = _snapshot(db)
    assert len(snapshot["OrgUnit"]) == 15
    assert len(snapshot["Enterprise"]) == 5
    assert len(snapshot["User"]) == len(demo_logins()) == 44


def test_loading_the_demo_again_changes_nothing(db):
    before = _snapshot(db)
    load_demo(db)
    load_demo(db)
    assert _snapshot(db) == before


def test_paths_spell_the_chain_of_ids_from_the_ministry(db):
    with db.transaction() as session:
        units = {u.id: u for u in session.scalars(select(OrgUnit))}
    for unit in units.values():
        parent_path = units[unit.parent_id].path if unit.parent_id else "/"
        assert unit.path == f"{parent_path}{unit.id}/"
    assert units["sc-my-fc-zfdd"].path == "/mem/sc/sc-my/sc-my-fc/sc-my-fc-zfdd/"


def test_every_enterprise_has_valid_codes_and_sits_in_its_district(db):
    with db.transaction() as session:
        enterprises = list(session.scalars(select(Enterprise)))
        directory = OrgDirectory.load(session)
    assert {e.district_id for e in enterprises} == set(DISTRICTS)
    for e in enterprises:
        assert validate_credit_code(e.credit_code) == e.credit_code
        area = {"sc-my-fc": "510703", "sc-my-yx": "510704"}[e.district_id]
        assert e.credit_code[2:8] == area
        assert e.name.startswith("绵阳市") and e.name.endswith("有限公司")
        for number in (
            e.legal_representative_id_number,
            e.principal_id_number,
            e.safety_lead_id_number,
        ):
            assert validate_id_number(number) == number
        assert e.legal_representative and e.principal and e.safety_lead
        authority = directory.unit(e.industry_authority_id)
        assert authority.kind == "industry_authority"
        assert directory.scope_root(authority.id) == e.district_id


def test_someone_can_claim_every_lane_in_both_districts(db):
    with db.transaction() as session:
        directory = OrgDirectory.load(session)
        staff = {(u.org_unit_id, u.role) for u in session.scalars(select(User)) if u.active}
    lanes = [f"{level}:{role}" for level in LEVELS for role in LANE_ROLES]
    lanes += [
        f"district:{name}:{role}"
        for name in ("安监一股", "安监二股", "职卫股", "执法大队")
        for role in ("clerk", "leader")
    ]
    lanes += [f"district:区经济和信息化局:{role}" for role in LANE_ROLES]
    for district in DISTRICTS:
        for lane in lanes:
            assert directory.resolve_lane(district, lane) in staff, (district, lane)


def test_users_belong_to_a_unit_or_an_enterprise(db):
    with db.transaction() as session:
        users = {u.username: u for u in session.scalars(select(User))}
        enterprises = {e.id: e for e in session.scalars(select(Enterprise))}
    assert users["fc.clerk"].org_unit_id == "sc-my-fc"
    assert users["fc.clerk"].display_name == "涪城区经办员"
    assert users["fc.zfdd.leader"].org_unit_id == "sc-my-fc-zfdd"
    assert users["yx.jxj.principal"].org_unit_id == "sc-my-yx-jxj"
    assert (users["designer"].role, users["designer"].org_unit_id) == ("designer", "sc-my")
    assert (users["admin"].role, users["admin"].org_unit_id) == ("admin", "mem")
    for user in users.values():
        if user.role == "enterprise":
            assert user.org_unit_id is None
            assert user.username.startswith("ent.")
            assert user.enterprise_id in enterprises
        else:
            assert user.org_unit_id is not None and user.enterprise_id is None


def test_every_demo_user_logs_in_with_the_demo_password(db):
    with db.transaction() as session:
        users = list(session.scalars(select(User)))
    for user in users:
        assert verify_password(DEMO_PASSWORD, user.password_hash), user.username
        assert not verify_password("wrong", user.password_hash)


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$x$y$z$a$b", "pbkdf2$1$2$3$4$5", None])
def test_a_stored_value_that_is_no_hash_never_verifies(stored):
    assert verify_password(DEMO_PASSWORD, stored) is False


def test_password_hashes_are_salted_and_cheap_enough_for_many_log_ins():
    started = time.perf_counter()
    first = hash_password("秘密 secret")
    assert verify_password("秘密 secret", first)
    elapsed = time.perf_counter() - started
    assert first != hash_password("秘密 secret")
    assert elapsed < 0.5  # about 2 x 30 ms here; the bound only catches a runaway cost


def test_the_demo_logins_page_lists_every_login_and_the_password():
    text = DOC.read_text(encoding="utf-8")
    assert DEMO_PASSWORD in text
    for login in demo_logins():
        assert f"`{login.username}`" in text, login.username
