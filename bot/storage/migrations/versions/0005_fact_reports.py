"""Fact reports: "Thông tin này sai?" taps, stored against the exact entry and field.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the fact_report table."""
    op.create_table(
        "fact_report",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("entry", sa.String(128), nullable=False),
        sa.Column("field", sa.String(160), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("reporter", sa.String(64), nullable=False),
        sa.Column("last_reviewed", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_report")),
        sa.UniqueConstraint(
            "entry", "field", "reporter", name=op.f("uq_fact_report_one_per_reporter")
        ),
    )
    op.create_index(op.f("ix_fact_report_created_at"), "fact_report", ["created_at"])
    op.create_index(op.f("ix_fact_report_entry"), "fact_report", ["entry"])


def downgrade() -> None:
    """Drop the fact_report table."""
    op.drop_index(op.f("ix_fact_report_entry"), table_name="fact_report")
    op.drop_index(op.f("ix_fact_report_created_at"), table_name="fact_report")
    op.drop_table("fact_report")
