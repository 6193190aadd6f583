"""Accounts for 等保 2.0: session version and disabling on users, user ids never reused (SQLite
AUTOINCREMENT; PostgreSQL sequences never reuse), login throttling per user and per client address.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # recreate="always" rebuilds the SQLite table, with AUTOINCREMENT (ids of removed users stay used)
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "users", recreate="always" if sqlite else "never", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.add_column(sa.Column("session_version", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("first_at", sa.DateTime, nullable=False),
        sa.Column("locked_until", sa.DateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled")
        batch.drop_column("session_version")
