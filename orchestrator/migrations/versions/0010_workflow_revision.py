"""the workflow's own revision on the instance row, bumped by steps only

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 10:15:00.000000

The row's `revision` moves on with every write (claims, assignments, audit heads), so a
workflow one web process cached was thrown away whenever another process claimed a task of
the case. Keyed by `workflow_revision`, the cache stays valid until a step changes the
workflow.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_instance") as batch:
        batch.add_column(sa.Column("workflow_revision", sa.Integer(), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("process_instance") as batch:
        batch.drop_column("workflow_revision")
