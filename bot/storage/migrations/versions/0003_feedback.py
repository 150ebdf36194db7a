"""Feedback: anonymous survey responses, post-visit offers, the hourly quota.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)
RATINGS = ("overall", "g_access", "g_procedure", "g_staff", "g_result", "g_handling")


def upgrade() -> None:
    """Create the feedback tables."""
    op.create_table(
        "feedback_response",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("office", sa.String(64), nullable=True),
        sa.Column("counter", sa.String(64), nullable=True),
        sa.Column("procedure", sa.String(128), nullable=True),
        sa.Column("booking", sa.String(64), nullable=True),
        *(sa.Column(name, sa.SmallInteger(), nullable=True) for name in RATINGS),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("contact", sa.String(200), nullable=True),
        sa.Column("contact_consent_at", UTC_TIME, nullable=True),
        *(
            sa.CheckConstraint(
                f"{name} BETWEEN 1 AND 5", name=op.f(f"ck_feedback_response_{name}_range")
            )
            for name in RATINGS
        ),
        sa.CheckConstraint(
            "contact IS NULL OR contact_consent_at IS NOT NULL",
            name=op.f("ck_feedback_response_contact_consent"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_response")),
        sa.UniqueConstraint("booking", name=op.f("uq_feedback_response_booking")),
    )
    op.create_index(op.f("ix_feedback_response_created_at"), "feedback_response", ["created_at"])
    op.create_index(op.f("ix_feedback_response_office"), "feedback_response", ["office"])
    op.create_index(op.f("ix_feedback_response_procedure"), "feedback_response", ["procedure"])
    op.create_table(
        "feedback_offer",
        sa.Column("booking", sa.String(64), nullable=False),
        sa.Column("office", sa.String(64), nullable=True),
        sa.Column("procedure", sa.String(128), nullable=True),
        sa.Column("respondent", sa.String(64), nullable=False),
        sa.Column("offered_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("booking", name=op.f("pk_feedback_offer")),
    )
    op.create_table(
        "feedback_quota",
        sa.Column("respondent", sa.String(64), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("respondent", "hour", name=op.f("pk_feedback_quota")),
    )


def downgrade() -> None:
    """Drop the feedback tables."""
    op.drop_table("feedback_quota")
    op.drop_table("feedback_offer")
    for column in ("procedure", "office", "created_at"):
        op.drop_index(op.f(f"ix_feedback_response_{column}"), table_name="feedback_response")
    op.drop_table("feedback_response")
