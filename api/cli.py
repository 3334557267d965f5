"""The `wsc` command: set up a database, load the demo and the process models, serve, check
the audit trail, add users. Settings come from the environment (Settings.from_env)."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from orchestrator.accounts import ROLES
from orchestrator.settings import Settings
from orchestrator.system import System

log = logging.getLogger("wsc")
SCHEDULER_MODULE = "orchestrator.timers.scheduler"


@contextmanager
def _system() -> Iterator[System]:
    system = System(Settings.from_env())
    try:
        yield system
    finally:
        system.close()


def _module_exists(name: str) -> bool:
    """True if `name` can be imported; checks each parent first, because find_spec raises
    instead of answering None when a parent package is missing."""
    parts = name.split(".")
    return all(
        importlib.util.find_spec(".".join(parts[:end])) is not None
        for end in range(1, len(parts) + 1)
    )


@click.group()
def main() -> None:
    """Work-safety credit orchestrator."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)  # a line per task state change


@main.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from orchestrator.persistence.migrate import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url)
    click.echo("database is up to date")


@main.command("load-demo")
def load_demo_command() -> None:
    """Add the demonstration organisation (idempotent; never on a production database)."""
    from orchestrator.organisation.demo import load_demo

    with _system() as system:
        load_demo(system.database)
    click.echo("demo organisation loaded")


@main.command("load-processes")
def load_processes() -> None:
    """Deploy every process model in settings.processes_dir (unchanged models stay as they are)."""
    from orchestrator.audit import SYSTEM
    from orchestrator.definitions.repository import deploy_directory

    with _system() as system:
        results = deploy_directory(system, SYSTEM)
    for key, version, new in results:
        click.echo(f"{key} v{version} {'deployed' if new else 'unchanged'}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the API with waitress; with settings.run_scheduler, run the timers in-process."""
    from waitress import serve as waitress_serve

    from .app import create_app

    with _system() as system:
        stop = _start_scheduler(system) if system.settings.run_scheduler else None
        try:
            waitress_serve(create_app(system=system), host=host, port=port, threads=threads)
        finally:
            if stop is not None:
                stop()  # its timer loop would keep the interpreter from exiting


@main.command()
@click.option("--bind", help="host:port  [default: WSC_WEB_BIND, else 127.0.0.1:8000]")
@click.option("--workers", type=int, help="processes  [default: WSC_WEB_WORKERS, else 2]")
@click.option("--threads", type=int, help="per process  [default: WSC_WEB_THREADS, else 2]")
def web(bind: str | None, workers: int | None, threads: int | None) -> None:
    """Serve the API with gunicorn, several worker processes: the production server, one or
    more per deployment on one PostgreSQL database. It never fires timers: run `wsc
    scheduler` beside it (README, "Deployment and scaling")."""
    from dataclasses import replace

    from .web import WebServer

    settings = Settings.from_env()
    if settings.simulated_clock:
        raise click.ClickException(
            "WSC_SIMULATED_CLOCK is for the one-process demo (wsc serve): every worker and "
            "scheduler process would keep its own clock")
    settings = replace(
        settings, web_bind=bind or settings.web_bind,
        web_workers=workers or settings.web_workers, web_threads=threads or settings.web_threads,
    )
    log.info("wsc web on %s, %d workers x %d threads; timers are fired by `wsc scheduler`",
             settings.web_bind, settings.web_workers, settings.web_threads)
    WebServer(settings).run()


def _start_scheduler(system: System):
    """The in-process scheduler, started; returns the function that stops it."""
    if not _module_exists(SCHEDULER_MODULE):
        log.info("no %s yet: serving without the timer scheduler", SCHEDULER_MODULE)
        return None
    module = importlib.import_module(SCHEDULER_MODULE)
    scheduler = module.start_scheduler(system)
    log.info("timer scheduler started")
    return lambda: module.stop_scheduler(system, scheduler)


@main.command()
@click.option("--until-empty", is_flag=True,
              help="Fire what is due and exit once no timer waits (tests, benchmarks).")
def scheduler(until_empty: bool) -> None:
    """Run the timer scheduler alone (one per node; several may share a database). Fires
    missed timers at once, in due order; escalates overdue tasks; delivers notifications."""
    from orchestrator.timers.scheduler import run_standalone

    with _system() as system:
        run_standalone(system, until_empty=until_empty)


@main.command("retry-timer")
@click.argument("timer_id", type=int)
def retry_timer_command(timer_id: int) -> None:
    """Put a failed timer back to fire now (after fixing its cause, e.g. loading the
    calendar year it needed); closes its incident."""
    from orchestrator.audit import Actor
    from orchestrator.errors import OrchestratorError
    from orchestrator.incidents import retry_timer_by_id

    shell = Actor(user_id=None, name="wsc retry-timer", role="admin")
    with _system() as system:
        try:
            with system.database.transaction() as session:
                element = retry_timer_by_id(session, system, shell, timer_id).element_id
        except OrchestratorError as error:
            raise click.ClickException(error.message) from error
    click.echo(f"timer {timer_id} ({element}) waits again, due now")


@main.command("load-calendar")
@click.option("--year", required=True, type=int)
@click.option("--file", "path", required=True, type=click.Path(exists=True, dir_okay=False),
              help='JSON: {"holidays": [...], "workdays": [...], "source": "国办发明电..."}')
def load_calendar_command(year: int, path: str) -> None:
    """Load (or replace) a year of the official calendar from the State Council notice;
    validated and audited. A running server or scheduler sees it within seconds."""
    import json

    from orchestrator.audit import Actor
    from orchestrator.errors import InvalidInput

    with open(path, encoding="utf-8") as file:
        try:
            notice = json.load(file)
        except json.JSONDecodeError as error:
            raise click.ClickException(f"{path} is not valid JSON: {error}") from error
    if not isinstance(notice, dict):
        raise click.ClickException(f"{path}: expected an object with holidays and workdays")
    from orchestrator.calendar import load_year

    with _system() as system:
        try:
            with system.database.transaction() as session:
                official = load_year(
                    session, year, notice.get("holidays", []), notice.get("workdays", []),
                    notice.get("source", ""), Actor(None, "wsc load-calendar", role="admin"),
                    system.clock.now(),
                )
        except InvalidInput as error:
            raise click.ClickException(f"{error.message}: {error.details}") from error
    click.echo(f"calendar {year} loaded: {len(official.holidays)} holidays, "
               f"{len(official.workdays)} workdays")


@main.command("verify-audit")
@click.option("--instance", "instance_id", type=int, help="Check the chain of one case.")
@click.option("--chain", help='Check one chain by name, e.g. "clock" or "definitions".')
def verify_audit(instance_id: int | None, chain: str | None) -> None:
    """Recompute the audit hash chains (all of them by default); exit 1 if one is broken."""
    from sqlalchemy import select

    from orchestrator.audit import instance_chain, verify_chain
    from orchestrator.persistence.tables import AuditEvent

    if instance_id is not None and chain is not None:
        raise click.UsageError("give --instance or --chain, not both")
    with _system() as system, system.database.transaction() as session:
        if instance_id is not None:
            chains = [instance_chain(instance_id)]
        elif chain is not None:
            chains = [chain]
        else:
            chains = session.scalars(select(AuditEvent.chain).distinct().order_by("chain")).all()
        reports = [verify_chain(session, name) for name in chains]
    for report in reports:
        state = "ok" if report.valid else f"BROKEN at {report.first_broken_seq}: {report.problem}"
        click.echo(f"{report.chain}: {report.events} events, {state}")
    if not all(report.valid for report in reports):
        sys.exit(1)


@main.command("create-user")
@click.option("--username", required=True)
@click.option("--display-name", default="", help="Defaults to the username.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--org-unit", help="Id of the staff member's org unit.")
@click.option("--enterprise", help="Credit code of the enterprise of an enterprise user.")
@click.password_option()
def create_user_command(
    username: str, display_name: str, role: str, org_unit: str | None,
    enterprise: str | None, password: str,
) -> None:
    """Add a log-in for a real deployment (the password is prompted for twice)."""
    from orchestrator.accounts import create_user
    from orchestrator.errors import OrchestratorError

    with _system() as system:
        try:
            with system.database.transaction() as session:
                user = create_user(
                    session, system.directory(session), username=username,
                    display_name=display_name, role=role, password=password,
                    org_unit_id=org_unit, enterprise_credit_code=enterprise,
                )
        except OrchestratorError as error:
            raise click.ClickException(f"{error.message}: {error.details}") from error
    click.echo(f"user {user.username} created (id {user.id})")
