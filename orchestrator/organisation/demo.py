"""The demonstration organisation: one line of bureaus from the ministry down to two
districts of 绵阳市, their business units and industry authorities, staff in every role,
and five enterprises. The tests' template database and `make run` start from it.

Every demo log-in has the password `demo1234`: demo data only, never load it into a
production database. docs/demo-logins.md lists the log-ins.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from orchestrator.organisation.credit_code import make_credit_code, organisation_check_character
from orchestrator.organisation.id_number import make_id_number
from orchestrator.organisation.passwords import hash_password
from orchestrator.persistence.database import Database
from orchestrator.persistence.tables import Enterprise, OrgUnit, User

DEMO_PASSWORD = "demo1234"
ROLE_TITLES = {"clerk": "经办员", "leader": "分管领导", "principal": "主要负责人"}

# (id, name, kind, parent id, username prefix, short label for display names)
BUREAUS = (
    ("mem", "应急管理部", "ministry", None, "mem", "应急管理部"),
    ("sc", "四川省应急管理厅", "province", "mem", "sc", "四川省应急管理厅"),
    ("sc-my", "绵阳市应急管理局", "city", "sc", "my", "绵阳市应急管理局"),
    ("sc-my-fc", "涪城区应急管理局", "district", "sc-my", "fc", "涪城区"),
    ("sc-my-yx", "游仙区应急管理局", "district", "sc-my", "yx", "游仙区"),
)
# Inside each district: (id suffix, name, kind, roles of its demo staff)
DEPARTMENTS = (
    ("aj1", "安监一股", "business_unit", ("clerk", "leader")),
    ("aj2", "安监二股", "business_unit", ("clerk", "leader")),
    ("zw", "职卫股", "business_unit", ("clerk", "leader")),
    ("zfdd", "执法大队", "business_unit", ("clerk", "leader")),
    ("jxj", "区经济和信息化局", "industry_authority", ("clerk", "leader", "principal")),
)


@dataclass(frozen=True)
class DemoEnterprise:
    short: str  # the log-in is ent.<short>
    name: str
    district: str  # short of the district: fc or yx
    organisation_body: str  # 8 characters; the GB 11714 check character is computed
    people: tuple[str, str, str]  # legal representative, principal, safety lead

    @property
    def district_id(self) -> str:
        return f"sc-my-{self.district}"

    @property
    def credit_code(self) -> str:
        body = self.organisation_body
        area = DISTRICT_AREAS[self.district]
        return make_credit_code(f"91{area}{body}{organisation_check_character(body)}")

    def person(self, index: int) -> tuple[str, str]:
        """(name, ID number) of people[index]: "name birthdate+sequence"."""
        name, digits = self.people[index].split()
        return name, make_id_number(DISTRICT_AREAS[self.district] + digits)


DISTRICT_AREAS = {"fc": "510703", "yx": "510704"}  # GB/T 2260: 涪城区, 游仙区
# Made-up names and numbers; each person is "name, birth date and 3-digit sequence".
# fmt: off
ENTERPRISES = (
    DemoEnterprise("hengtai", "绵阳市恒泰化工有限公司", "fc", "MA62K8N1",
                   ("张建国 19680412031", "李卫东 19750923053", "王志强 19820117071")),
    DemoEnterprise("fujiang", "绵阳市涪江机械制造有限公司", "fc", "MA6247TQ",
                   ("刘德明 19700805013", "刘德明 19700805013", "陈晓峰 19860630035")),
    DemoEnterprise("keda", "绵阳市科达建材有限公司", "fc", "MA63XR05",
                   ("赵丽萍 19780214042", "周海涛 19790311017", "吴俊杰 19900728057")),
    DemoEnterprise("xianhai", "绵阳市仙海食品有限公司", "yx", "MA64DJ2W",
                   ("孙国华 19660918021", "孙国华 19660918021", "郑文静 19880402046")),
    DemoEnterprise("xinyuan", "绵阳市鑫源矿业有限公司", "yx", "MA6597HL",
                   ("黄永胜 19690125011", "何建平 19740607033", "马天宇 19870819075")),
)
# fmt: on
INDUSTRY_AUTHORITY = "jxj"  # every demo enterprise answers to its district's 经信局


def demo_units() -> list[OrgUnit]:
    """Every demo unit, parents before children."""
    units: list[OrgUnit] = []
    paths: dict[str, str] = {}
    for unit_id, name, kind, parent_id, _prefix, _label in BUREAUS:
        paths[unit_id] = f"{paths[parent_id] if parent_id else '/'}{unit_id}/"
        units.append(
            OrgUnit(id=unit_id, name=name, kind=kind, parent_id=parent_id, path=paths[unit_id])
        )
    for district_id in _district_ids():
        for suffix, name, kind, _roles in DEPARTMENTS:
            unit_id = f"{district_id}-{suffix}"
            units.append(
                OrgUnit(
                    id=unit_id,
                    name=name,
                    kind=kind,
                    parent_id=district_id,
                    path=f"{paths[district_id]}{unit_id}/",
                )
            )
    return units


def _district_ids() -> list[str]:
    return [unit_id for unit_id, _n, kind, *_rest in BUREAUS if kind == "district"]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    display_name: str
    role: str  # clerk, leader, principal, designer, admin or enterprise
    org_unit_id: str | None = None  # staff only
    enterprise: DemoEnterprise | None = None  # enterprise users only


def demo_logins() -> list[DemoLogin]:
    """Every demo log-in: staff of each bureau and department, designer, admin, and one
    user per enterprise (attached to the enterprise, to no org unit)."""
    logins = []
    for unit_id, _name, kind, _parent, prefix, label in BUREAUS:
        for role, title in ROLE_TITLES.items():
            logins.append(DemoLogin(f"{prefix}.{role}", f"{label}{title}", role, unit_id))
        if kind != "district":
            continue
        for suffix, name, _kind, roles in DEPARTMENTS:
            department = f"{label}{name.removeprefix('区')}"
            for role in roles:
                display_name = f"{department}{ROLE_TITLES[role]}"
                username = f"{prefix}.{suffix}.{role}"
                logins.append(DemoLogin(username, display_name, role, f"{unit_id}-{suffix}"))
    logins.append(DemoLogin("designer", "绵阳市流程设计员", "designer", "sc-my"))
    logins.append(DemoLogin("admin", "系统管理员", "admin", "mem"))
    for e in ENTERPRISES:
        logins.append(DemoLogin(f"ent.{e.short}", f"{e.name}经办人", "enterprise", enterprise=e))
    return logins


def _enterprise_row(e: DemoEnterprise) -> Enterprise:
    (legal, legal_id), (principal, principal_id), (safety, safety_id) = map(e.person, range(3))
    return Enterprise(
        credit_code=e.credit_code,
        name=e.name,
        district_id=e.district_id,
        industry_authority_id=f"{e.district_id}-{INDUSTRY_AUTHORITY}",
        legal_representative=legal,
        legal_representative_id_number=legal_id,
        principal=principal,
        principal_id_number=principal_id,
        safety_lead=safety,
        safety_lead_id_number=safety_id,
    )


def load_demo(database: Database) -> None:
    """Add whatever of the demo organisation is missing; rows already there (matched by unit
    id, credit code and username) are left exactly as they are, so a second call changes
    nothing."""
    with database.transaction() as session:
        known_units = set(session.scalars(select(OrgUnit.id)))
        session.add_all(u for u in demo_units() if u.id not in known_units)
        session.flush()

        known_codes = set(session.scalars(select(Enterprise.credit_code)))
        session.add_all(_enterprise_row(e) for e in ENTERPRISES if e.credit_code not in known_codes)
        session.flush()
        enterprise_ids = dict(session.execute(select(Enterprise.credit_code, Enterprise.id)).all())

        known_users = set(session.scalars(select(User.username)))
        for login in demo_logins():
            if login.username in known_users:
                continue
            enterprise = login.enterprise
            session.add(
                User(
                    username=login.username,
                    display_name=login.display_name,
                    password_hash=hash_password(DEMO_PASSWORD),
                    org_unit_id=login.org_unit_id,
                    role=login.role,
                    enterprise_id=enterprise_ids[enterprise.credit_code] if enterprise else None,
                    active=True,
                )
            )
