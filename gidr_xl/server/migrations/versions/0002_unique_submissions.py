"""Submissions: identical bytes stored once per organ, one row per (organ, year, version) even
when the year is unknown (NULL years escaped the old constraint).

Rows that concurrent uploads duplicated before this revision (same organ, same sha256) are kept
once (the oldest); the later copies carried the same bytes, and the removal is in the audit log.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    dupes = conn.execute(
        sa.text(
            "SELECT s.id, s.organ_id, s.sha256 FROM submissions s WHERE EXISTS (SELECT 1 FROM submissions o"
            " WHERE o.organ_id = s.organ_id AND o.sha256 = s.sha256 AND o.id < s.id)"
        )
    ).all()
    for row in dupes:
        conn.execute(sa.text("DELETE FROM submissions WHERE id = :id"), {"id": row.id})
        conn.execute(
            sa.text(
                "INSERT INTO audit_events (at, \"user\", action, detail) VALUES (CURRENT_TIMESTAMP, 'migrate',"
                " 'dedupe', :detail)"
            ),
            {"detail": f"submission {row.id} duplicated organ {row.organ_id} sha256={row.sha256}"},
        )
    op.create_index("ux_submissions_organ_sha", "submissions", ["organ_id", "sha256"], unique=True)
    op.create_index(
        "ux_submissions_organ_year_version",
        "submissions",
        ["organ_id", sa.text("coalesce(year, 0)"), "version"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ux_submissions_organ_year_version", "submissions")
    op.drop_index("ux_submissions_organ_sha", "submissions")
