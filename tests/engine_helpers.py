"""Helpers for tests that drive the engine without HTTP: a System on the test database,
callers for demo users, deploying test models."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from orchestrator.accounts import caller_for
from orchestrator.audit import Actor
from orchestrator.definitions import repository
from orchestrator.definitions.parsing import parse_definition
from orchestrator.persistence.tables import User
from orchestrator.settings import Settings
from orchestrator.system import System

MODELS = Path(__file__).parent / "models"
DESIGNER = Actor(user_id=None, name="test designer", role="designer")


def make_system(db_url: str, **overrides) -> System:
    return System(Settings(database_url=db_url, simulated_clock=True, run_scheduler=False,
                           **overrides))


def deploy_file(system: System, path: Path) -> tuple[str, int]:
    parsed = parse_definition(path.read_bytes(), forms_dir=system.settings.forms_dir)
    with system.database.transaction() as session:
        definition, _ = repository.deploy(session, parsed, DESIGNER, system.clock.now())
        return definition.key, definition.version


def caller(system: System, username: str):
    with system.database.transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        return caller_for(session, user.id, system.directory(session))
