"""Who is calling: checking a log-in, turning a user id into a Caller, and creating users.

A Caller is what every permission check in the engine needs (role, unit, enterprise and the
subtree the caller may read); it is rebuilt from the database per request, so deactivating
a user takes effect at once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from .audit import Actor
from .errors import Conflict, InvalidInput
from .organisation.directory import LANE_ROLES, OrgDirectory
from .organisation.passwords import hash_password, verify_password
from .persistence.tables import Enterprise, User

STAFF_ROLES = (*LANE_ROLES, "designer", "admin")
ENTERPRISE_ROLE = "enterprise"
ROLES = (*STAFF_ROLES, ENTERPRISE_ROLE)


@dataclass(frozen=True)
class Caller:
    user_id: int
    username: str
    display_name: str
    role: str
    org_unit_id: str | None
    enterprise_id: int | None
    scope_root: str | None
    """The unit whose subtree the caller may read; None for enterprise users."""

    @property
    def actor(self) -> Actor:
        """The caller as the audit trail names them."""
        return Actor(self.user_id, self.display_name, self.org_unit_id, self.role)


@cache
def _decoy_hash() -> str:
    return hash_password("decoy password, never stored")


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, else None. An unknown name costs
    the same hashing as a wrong password, so timing does not tell which names exist."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        verify_password(password, _decoy_hash())
        return None
    if not verify_password(password, user.password_hash) or not user.active:
        return None
    return user


def caller_for(reader: Session | Connection, user_id: int,
               directory: OrgDirectory) -> Caller | None:
    """The Caller for an active user, else None (unknown or deactivated). `reader` is a
    session, or the connection of `Database.reading()` that every API request reads with."""
    user = reader.execute(_CALLER_ROW, {"user_id": user_id}).first()
    if user is None or not user.active:
        return None
    scope_root = (
        directory.scope_root(user.org_unit_id)
        if user.org_unit_id is not None and user.enterprise_id is None
        else None
    )
    return Caller(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        org_unit_id=user.org_unit_id,
        enterprise_id=user.enterprise_id,
        scope_root=scope_root,
    )


# Built once, of plain columns: it runs on every request, and read as a row it costs half
# of what loading the User object through the ORM did.
_USERS = User.__table__
_CALLER_ROW = select(
    _USERS.c.id, _USERS.c.username, _USERS.c.display_name, _USERS.c.role, _USERS.c.org_unit_id,
    _USERS.c.enterprise_id, _USERS.c.active,
).where(_USERS.c.id == bindparam("user_id"))


def create_user(
    session: Session,
    directory: OrgDirectory,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    org_unit_id: str | None = None,
    enterprise_credit_code: str | None = None,
) -> User:
    """A new active user: staff of an org unit, or an enterprise user (role "enterprise",
    with the enterprise's credit code and no unit). Conflict if the username is taken;
    InvalidInput naming each wrong field otherwise."""
    problems = {}
    if not username.strip():
        problems["username"] = "must not be empty"
    if not password:
        problems["password"] = "must not be empty"
    if role not in ROLES:
        problems["role"] = f"must be one of {', '.join(ROLES)}"
    enterprise = None
    if role == ENTERPRISE_ROLE:
        if enterprise_credit_code is None:
            problems["enterprise"] = "an enterprise user needs the enterprise's credit code"
        else:
            enterprise = session.scalar(
                select(Enterprise).where(Enterprise.credit_code == enterprise_credit_code)
            )
            if enterprise is None:
                problems["enterprise"] = f"no enterprise with credit code {enterprise_credit_code}"
    elif org_unit_id is None or org_unit_id not in directory:
        problems["org_unit"] = f"staff need an existing org unit, not {org_unit_id!r}"
    if problems:
        raise InvalidInput("cannot create the user", problems)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username {username!r} is taken", {"username": username})
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        org_unit_id=None if enterprise else org_unit_id,
        enterprise_id=enterprise.id if enterprise else None,
        active=True,
    )
    session.add(user)
    session.flush()
    return user
