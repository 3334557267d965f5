"""joint incentive: incentive facts, incentive entries, evidence of incentive cases

Revision ID: 0006
Revises: 0007
Create Date: 2026-11-25 08:10:00.000000

0006 was reserved for this change while 0007 (publication) was written against 0005 and
landed first; revising 0007 keeps one line of history (a second head would stop
`upgrade head`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incentive_fact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=48), nullable=False),
        sa.Column("providing_department_id", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["providing_department_id"], ["org_unit.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incentive_fact", schema=None) as batch_op:
        batch_op.create_index("ix_incentive_fact_enterprise_day",
                              ["enterprise_id", "occurred_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_incentive_fact_providing_department_id"),
                              ["providing_department_id"], unique=False)

    op.create_table(
        "incentive_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("providing_department_id", sa.String(length=64), nullable=False),
        sa.Column("term", sa.String(length=32), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("eligibility", sa.JSON(), nullable=True),
        sa.Column("grant_instance_id", sa.Integer(), nullable=True),
        sa.Column("renewal_of_id", sa.Integer(), nullable=True),
        sa.Column("removal_instance_id", sa.Integer(), nullable=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("renewal_opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closing_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["providing_department_id"], ["org_unit.id"]),
        sa.ForeignKeyConstraint(["grant_instance_id"], ["process_instance.id"]),
        sa.ForeignKeyConstraint(["renewal_of_id"], ["incentive_entry.id"]),
        sa.ForeignKeyConstraint(["removal_instance_id"], ["process_instance.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incentive_entry", schema=None) as batch_op:
        batch_op.create_index("ix_incentive_entry_enterprise_status",
                              ["enterprise_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_incentive_entry_grant_instance_id"),
                              ["grant_instance_id"], unique=False)

    op.create_table(
        "incentive_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_type", sa.String(length=16), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"]),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["sha256"], ["evidence_content.sha256"]),
        sa.ForeignKeyConstraint(["uploaded_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incentive_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incentive_evidence_instance_id"), ["instance_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incentive_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incentive_evidence_instance_id"))
    op.drop_table("incentive_evidence")
    with op.batch_alter_table("incentive_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incentive_entry_grant_instance_id"))
        batch_op.drop_index("ix_incentive_entry_enterprise_status")
    op.drop_table("incentive_entry")
    with op.batch_alter_table("incentive_fact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incentive_fact_providing_department_id"))
        batch_op.drop_index("ix_incentive_fact_enterprise_day")
    op.drop_table("incentive_fact")
