"""Security: server-issued web and admin sessions, web notices, channel tokens, install secrets,
the client-address key of a booking.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    """Create the tables and the booking column."""
    op.create_table(
        "web_session",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("seen_at", UTC_TIME, nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_session")),
        sa.UniqueConstraint("user_id", name=op.f("uq_web_session_user_id")),
    )
    op.create_index(op.f("ix_web_session_seen_at"), "web_session", ["seen_at"])
    op.create_table(
        "volunteer_login",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("revoked_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer_login")),
        sa.UniqueConstraint("name", name=op.f("uq_volunteer_login_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_volunteer_login_token_hash")),
    )
    op.create_table(
        "admin_session",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("expires_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_admin_session")),
    )
    op.create_index(op.f("ix_admin_session_expires_at"), "admin_session", ["expires_at"])
    op.create_table(
        "web_notice",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("reply", JSON_DOC, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_notice")),
    )
    op.create_index(op.f("ix_web_notice_user_id"), "web_notice", ["user_id"])
    op.create_table(
        "channel_token",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("data", JSON_DOC, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("channel", "account", name=op.f("pk_channel_token")),
    )
    op.create_table(
        "install_secret",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_install_secret")),
    )
    with op.batch_alter_table("booking") as batch:
        batch.add_column(sa.Column("origin", sa.String(64), nullable=True))
        batch.create_index(batch.f("ix_booking_origin"), ["origin"])
    with op.batch_alter_table("feedback_offer") as batch:
        batch.add_column(
            sa.Column("answered", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Zalo OA tokens used to live among conversations, where `purge` deleted them.
    op.execute(
        "INSERT INTO channel_token (channel, account, data, updated_at) "
        "SELECT 'zalo', user_id, state, updated_at FROM conversation_state "
        "WHERE channel = 'zalo-oauth'"
    )
    op.execute("DELETE FROM conversation_state WHERE channel = 'zalo-oauth'")


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("feedback_offer") as batch:
        batch.drop_column("answered")
    with op.batch_alter_table("booking") as batch:
        batch.drop_index(batch.f("ix_booking_origin"))
        batch.drop_column("origin")
    for table in (
        "install_secret",
        "channel_token",
        "web_notice",
        "admin_session",
        "volunteer_login",
        "web_session",
    ):
        op.drop_table(table)
