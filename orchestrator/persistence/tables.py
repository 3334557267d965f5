"""The schema. Changed only together with an Alembic migration in orchestrator/migrations."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """Instants are stored and read as UTC; SQLite would hand them back without a zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: instants must carry a zone")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict: JSON, list: JSON}


class OrgUnit(Base):
    """A node of the organisation tree: ministry → province → city → district, and inside a
    district its business units and industry authorities. `path` is the chain of ids from the
    root ("/mem/sc/sc-my/sc-my-fc/") so a subtree is one prefix query."""

    __tablename__ = "org_unit"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    path: Mapped[str] = mapped_column(String(512), index=True)


class Enterprise(Base):
    """A production and business unit (生产经营单位), located in one district."""

    __tablename__ = "enterprise"
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    district_id: Mapped[str] = mapped_column(ForeignKey("org_unit.id"), index=True)
    industry_authority_id: Mapped[str | None] = mapped_column(ForeignKey("org_unit.id"))
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    legal_representative_id_number: Mapped[str | None] = mapped_column(String(18))
    principal: Mapped[str | None] = mapped_column(String(100))
    principal_id_number: Mapped[str | None] = mapped_column(String(18))
    safety_lead: Mapped[str | None] = mapped_column(String(100))
    safety_lead_id_number: Mapped[str | None] = mapped_column(String(18))


class User(Base):
    """A person who logs in: staff of one org unit in one role, or an enterprise user."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    org_unit_id: Mapped[str | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ProcessDefinition(Base):
    """One deployed version of a process model. Same content (hash) = same version. The
    parsed spec is stored once here, never with the instances."""

    __tablename__ = "process_definition"
    __table_args__ = (
        UniqueConstraint("key", "version"),
        UniqueConstraint("key", "content_hash"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    dmn_xml: Mapped[list] = mapped_column(JSON, default=list)
    spec: Mapped[dict] = mapped_column(JSON)
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class ProcessInstance(Base):
    """A case: one run of a definition version for one jurisdiction (the case's district).
    `revision` is bumped by every write of the row (version check); `workflow_revision` only
    by a step, so a workflow cached by one process stays valid across another's claims.
    `workflow` holds the workflow-level engine state, the tasks live in `engine_task`.
    `audit_head`/`audit_seq` end the audit chain so appending needs no query."""

    __tablename__ = "process_instance"
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("org_unit.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    workflow_revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    workflow: Mapped[dict] = mapped_column(JSON)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    audit_head: Mapped[str] = mapped_column(String(64), default="")
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)

    __mapper_args__ = {"version_id_col": revision}


class EngineTask(Base):
    """One SpiffWorkflow task of an instance, as the serializer writes it. Only the tasks a
    step changed are written, so a step's cost does not grow with the instance's history.
    `seq` orders parents before children for restoring; `workflow_id` is "" for the top
    workflow or the id of the subprocess task."""

    __tablename__ = "engine_task"
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    workflow_id: Mapped[str] = mapped_column(String(36), default="")
    body: Mapped[dict] = mapped_column(JSON)


CLAIMABLE = "state = 'open' AND claimed_by IS NULL"  # the claimable queue's partial index


class HumanTask(Base):
    """A READY user task as the worklist sees it, routed to one org unit and role."""

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_claimable", "org_unit_id", "role", "created_at", "id",
              postgresql_include=["process_key", "jurisdiction_id", "due_at"],
              postgresql_where=text(CLAIMABLE), sqlite_where=text(CLAIMABLE)),
        Index("ix_human_task_claimant", "claimed_by", "state", "created_at"),
        Index("ix_human_task_enterprise", "enterprise_id", "state", "created_at"),
        Index("ix_human_task_instance_state", "instance_id", "state"),  # a case's open tasks
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    process_key: Mapped[str] = mapped_column(String(200))
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("org_unit.id"))
    element_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str] = mapped_column(String(200))
    org_unit_id: Mapped[str] = mapped_column(ForeignKey("org_unit.id"))
    role: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    form_key: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    escalated_at: Mapped[datetime | None]


class SignOff(Base):
    """Who signed what, in which role and unit, when, with or without the official seal,
    and the SHA-256 of what was signed."""

    __tablename__ = "sign_off"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    signer_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    signer_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    org_unit_id: Mapped[str] = mapped_column(ForeignKey("org_unit.id"))
    decision: Mapped[str | None] = mapped_column(String(64))
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    signed_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """Append-only, hash-chained per chain ("instance:<id>" or "definitions")."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("chain", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_name: Mapped[str] = mapped_column(String(200))
    org_unit_id: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    task_id: Mapped[str | None] = mapped_column(String(36))
    details: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Incident(Base):
    """A failure an admin must see: a script that raised, a timer that could not fire."""

    __tablename__ = "incident"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


from . import (  # noqa: E402, F401
    calendar_tables,
    incentive_tables,
    licence_tables,
    publication_tables,
    register_tables,
    time_tables,
)


class StartRequest(Base):
    """A start a client sent with an Idempotency-Key: the key, per user, names one case, so
    a start repeated after a lost answer returns that case instead of a second one.
    `fingerprint` is the SHA-256 of the request, to refuse the key for another request."""

    __tablename__ = "start_request"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    created_at: Mapped[datetime]
