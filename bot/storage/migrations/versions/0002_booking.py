"""Booking: slots with a taken counter, bookings, citizens, notices (reminders, cancellations).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the booking tables."""
    op.create_table(
        "booking_slot",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("starts_at", UTC_TIME, nullable=False),
        sa.Column("ends_at", UTC_TIME, nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("closed_reason", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_booking_slot"),
        sa.UniqueConstraint(
            "office_id", "session_id", "starts_at", name="uq_booking_slot_office_id"
        ),
        sa.CheckConstraint(
            "taken >= 0 AND taken <= capacity", name="ck_booking_slot_taken_within_capacity"
        ),
    )
    op.create_index("ix_booking_slot_starts_at", "booking_slot", ["starts_at"])
    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("procedure_id", sa.String(128), nullable=False),
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_booking"),
        sa.UniqueConstraint("code", name="uq_booking_code"),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["booking_slot.id"], name="fk_booking_slot_id_booking_slot"
        ),
    )
    op.create_index("ix_booking_slot_id", "booking", ["slot_id"])
    op.create_index("ix_booking_citizen", "booking", ["channel", "user_id", "status"])
    op.create_table(
        "booking_citizen",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("touched_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("channel", "user_id", name="pk_booking_citizen"),
    )
    op.create_table(
        "booking_notice",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("due_at", UTC_TIME, nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_at", UTC_TIME, nullable=True),
        sa.Column("sent_at", UTC_TIME, nullable=True),
        sa.Column("cancelled_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_booking_notice"),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name="fk_booking_notice_booking_id_booking"
        ),
    )
    op.create_index("ix_booking_notice_booking_id", "booking_notice", ["booking_id"])
    op.create_index("ix_booking_notice_pending", "booking_notice", ["sent_at", "due_at"])


def downgrade() -> None:
    """Drop the booking tables."""
    op.drop_index("ix_booking_notice_pending", table_name="booking_notice")
    op.drop_index("ix_booking_notice_booking_id", table_name="booking_notice")
    op.drop_table("booking_notice")
    op.drop_table("booking_citizen")
    op.drop_index("ix_booking_citizen", table_name="booking")
    op.drop_index("ix_booking_slot_id", table_name="booking")
    op.drop_table("booking")
    op.drop_index("ix_booking_slot_starts_at", table_name="booking_slot")
    op.drop_table("booking_slot")
