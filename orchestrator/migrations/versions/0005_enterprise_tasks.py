"""human tasks for the enterprise of a case (defence, removal application, objection)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 07:35:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_human_task_enterprise_id_enterprise", "enterprise", ["enterprise_id"], ["id"]
        )
        batch_op.create_index(
            "ix_human_task_enterprise", ["enterprise_id", "state", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_index("ix_human_task_enterprise")
        batch_op.drop_constraint("fk_human_task_enterprise_id_enterprise", type_="foreignkey")
        batch_op.drop_column("enterprise_id")
