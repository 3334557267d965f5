"""Fills a migrated database with a country's worth of worklist: an organisation tree of
`units` org units shaped like the demo one (ministry → provinces → cities → districts, each
district with the demo's business units and industry authority), staff per unit and role,
the real process definitions, and `tasks` open human tasks, each with its process instance,
a share of them claimed. Used by benchmarks/worklist.py; PostgreSQL only.

Units, users and slots (a unit and role that receives tasks) are written with COPY; the
tasks with INSERT ... SELECT over generate_series, so a million rows take minutes, not
hours. Queue sizes are skewed like a real country's: a slot is drawn as
floor(slots x random()^2) over a shuffled slot order, so a few units hold thousands of
tasks and most hold a few dozen.
"""

from __future__ import annotations

import random
import re
from bisect import bisect_left
from dataclasses import dataclass

from sqlalchemy import text

from orchestrator.audit import Actor
from orchestrator.definitions.repository import deploy_directory
from orchestrator.organisation.demo import DEMO_PASSWORD, DEPARTMENTS, ROLE_TITLES
from orchestrator.organisation.passwords import hash_password
from orchestrator.system import System

PROVINCES = ("北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省",
             "黑龙江省", "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省",
             "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市",
             "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省",
             "宁夏回族自治区", "新疆维吾尔自治区")
CITIES_PER_PROVINCE = 10
BUREAU_ROLES = tuple(ROLE_TITLES)  # clerk, leader, principal
CLAIMED_SHARE = 0.1  # of the open tasks, claimed by a member of their slot
CREATED_WITHIN_DAYS = 90
DESIGNER = Actor(user_id=None, name="benchmark data generator", role="designer")


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str
    parent_id: str | None
    path: str
    roles: tuple[str, ...]
    lane_prefix: str  # the lane that routes to this unit, without the role


def org_tree(units: int) -> list[Unit]:
    """`units` org units, parents first: the ministry, up to 31 provinces with up to 10
    cities each, then as many districts (each with the demo's five departments) as fit,
    spread over the cities in turn; what is left over becomes extra districts."""
    provinces = max(1, min(len(PROVINCES), units // 320))
    cities = max(1, min(CITIES_PER_PROVINCE, units // (provinces * 32)))
    tree = [Unit("mem", "应急管理部", "ministry", None, "/mem/", BUREAU_ROLES, "ministry")]
    city_units = []
    for p in range(provinces):
        province = _child(tree[0], f"p{p:02d}", f"{PROVINCES[p]}应急管理厅", "province")
        tree.append(province)
        for c in range(cities):
            city = _child(province, f"{province.id}-c{c:02d}",
                          f"{PROVINCES[p]}第{c + 1}市应急管理局", "city")
            city_units.append(city)
    tree += city_units
    per_district = 1 + len(DEPARTMENTS)
    room = units - len(tree)
    if room < per_district:
        raise ValueError(f"units: {units} is too few for one district under every city")
    full, spare = divmod(room, per_district)
    for n in range(full + spare):
        city, k = city_units[n % len(city_units)], n // len(city_units)
        district = _child(city, f"{city.id}-d{k:02d}",
                          f"{city.name.removesuffix('应急管理局')}第{k + 1}区应急管理局",
                          "district")
        tree.append(district)
        if n >= full:
            continue
        for suffix, name, kind, roles in DEPARTMENTS:
            tree.append(Unit(f"{district.id}-{suffix}", name, kind, district.id,
                             f"{district.path}{district.id}-{suffix}/", roles,
                             f"district:{name}"))
    return tree


def _child(parent: Unit, unit_id: str, name: str, kind: str) -> Unit:
    return Unit(unit_id, name, kind, parent.id, f"{parent.path}{unit_id}/", BUREAU_ROLES, kind)


def _districts_below(tree: list[Unit]) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """Every district id numbered so each unit's districts are one run: (first, count)
    per unit. A department's run is its own district."""
    districts = sorted(u.path for u in tree if u.kind == "district")
    ranges = {}
    for unit in tree:
        scope = unit.path if unit.kind != "business_unit" and unit.kind != "industry_authority" \
            else unit.path.rsplit("/", 2)[0] + "/"
        first = bisect_left(districts, scope)
        count = 0
        while first + count < len(districts) and districts[first + count].startswith(scope):
            count += 1
        ranges[unit.id] = (first, count)
    return [path.rstrip("/").rsplit("/", 1)[1] for path in districts], ranges


def _copy(cursor, table: str, columns: str, rows) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


GENERATE = """
CREATE TEMP TABLE generated AS
WITH pick AS (
    SELECT g AS n, floor(:slots * random() ^ 2)::int AS slot_no, random() AS r_district,
           random() AS r_definition, random() AS r_created, random() AS r_due,
           random() AS r_claim, random() AS r_claimant
    FROM generate_series(1, :tasks) AS g
)
SELECT pick.n, s.org_unit_id, s.role, s.lane, d.id AS jurisdiction_id,
       def.id AS definition_id, def.key AS process_key,
       CAST(:now AS timestamptz) - pick.r_created * :days * interval '1 day' AS created_at,
       CASE WHEN pick.r_claim < :claimed
            THEN s.user_first + floor(pick.r_claimant * s.user_count)::int END AS claimed_by,
       pick.r_due
FROM pick
JOIN slot AS s ON s.no = pick.slot_no
JOIN district AS d ON d.no = s.district_first + floor(pick.r_district * s.district_count)::int
JOIN definition AS def ON def.no = floor(pick.r_definition * :definitions)::int
"""

INSTANCES = """
INSERT INTO process_instance (id, definition_id, process_key, jurisdiction_id, status, revision,
    workflow, started_at, updated_at, audit_head, audit_seq)
SELECT n, definition_id, process_key, jurisdiction_id, 'running', 1, '{}', created_at,
       created_at, '', 0
FROM generated
"""

TASKS = """
INSERT INTO human_task (id, instance_id, process_key, jurisdiction_id, element_id, title, lane,
    org_unit_id, role, state, claimed_by, claimed_at, created_at, due_at)
SELECT gen_random_uuid()::text, n, process_key, jurisdiction_id, 'review_' || role,
       role || ' review', lane || ':' || role, org_unit_id, role, 'open', claimed_by,
       CASE WHEN claimed_by IS NOT NULL THEN created_at + interval '1 hour' END, created_at,
       CASE WHEN r_due < 0.9 THEN created_at + (5 + floor(r_due * 30)) * interval '1 day' END
FROM generated
"""


def fill(system: System, units: int, tasks: int, users_per_role: int, seed: int) -> dict:
    """Writes everything into the (migrated, empty) database of `system`; returns counts."""
    rng = random.Random(seed)
    deploy_directory(system, DESIGNER)
    tree = org_tree(units)
    district_ids, ranges = _districts_below(tree)
    password = hash_password(DEMO_PASSWORD)
    users, slots = [], []
    for unit in tree:
        for role in unit.roles:
            first = len(users) + 1
            for k in range(users_per_role):
                users.append((first + k, f"{unit.id}.{role}.{k}", f"{unit.name}{ROLE_TITLES[role]}",
                              password, unit.id, role, True))
            slots.append((unit.id, role, unit.lane_prefix, *ranges[unit.id], first, users_per_role))
    rng.shuffle(slots)
    now = system.clock.now()
    raw = system.database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        _copy(cursor, "org_unit", "id, name, kind, parent_id, path",
              ((u.id, u.name, u.kind, u.parent_id, u.path) for u in tree))
        _copy(cursor, "app_user",
              "id, username, display_name, password_hash, org_unit_id, role, active", users)
        cursor.execute("SELECT setval(pg_get_serial_sequence('app_user', 'id'), %s)",
                       (len(users),))
        cursor.execute("CREATE TEMP TABLE slot (no int PRIMARY KEY, org_unit_id text, role text,"
                       " lane text, district_first int, district_count int, user_first int,"
                       " user_count int)")
        _copy(cursor, "slot", "no, org_unit_id, role, lane, district_first, district_count,"
              " user_first, user_count", ((n, *s) for n, s in enumerate(slots)))
        cursor.execute("CREATE TEMP TABLE district (no int PRIMARY KEY, id text)")
        _copy(cursor, "district", "no, id", enumerate(district_ids))
        cursor.execute("CREATE TEMP TABLE definition AS SELECT (row_number() OVER (ORDER BY id))"
                       " - 1 AS no, id, key FROM process_definition")
        definitions = cursor.execute("SELECT count(*) FROM definition").fetchone()[0]
        params = {"slots": len(slots), "tasks": tasks, "now": now, "claimed": CLAIMED_SHARE,
                  "definitions": definitions, "days": CREATED_WITHIN_DAYS}
        cursor.execute(_pyformat(GENERATE), params)
        cursor.execute(INSTANCES)
        cursor.execute("SELECT setval(pg_get_serial_sequence('process_instance', 'id'), %s)",
                       (tasks,))
        cursor.execute(TASKS)
        raw.commit()
    finally:
        raw.close()
    with system.database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text("VACUUM ANALYZE org_unit, app_user, process_instance, human_task"))
        # the load's dirty pages written now, not by the checkpointer during the timing
        connection.execute(text("CHECKPOINT"))
    return {"units": len(tree), "users": len(users), "slots": len(slots), "tasks": tasks,
            "definitions": definitions}


def _pyformat(sql: str) -> str:
    """:name placeholders as psycopg's %(name)s."""
    return re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql)

