"""Sessions ended by a logout: each login has its own id, so a logout ends that session (and every
copy of its cookie) without ending the user's other sessions.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ended_sessions",
        sa.Column("sid", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("ended_at", sa.DateTime, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("ended_sessions")
