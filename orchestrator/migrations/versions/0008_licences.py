"""administrative licences for the double publicity (双公示, 三(一)1)

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-25 09:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "administrative_licence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("licence_number", sa.String(length=100), nullable=False),
        sa.Column("licence_name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("issuing_department_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("ending_reason", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"]),
        sa.ForeignKeyConstraint(["issuing_department_id"], ["org_unit.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuing_department_id", "licence_number",
                            name="uq_administrative_licence_department_number"),
    )
    with op.batch_alter_table("administrative_licence", schema=None) as batch_op:
        batch_op.create_index("ix_administrative_licence_enterprise_status",
                              ["enterprise_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_administrative_licence_issuing_department_id"),
                              ["issuing_department_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("administrative_licence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_administrative_licence_issuing_department_id"))
        batch_op.drop_index("ix_administrative_licence_enterprise_status")
    op.drop_table("administrative_licence")
