"""Conversation state and inbox.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the conversation_state and inbox tables."""
    op.create_table(
        "conversation_state",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("state", JSON_DOC, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "user_id", name="pk_conversation_state"),
    )
    op.create_index("ix_conversation_state_updated_at", "conversation_state", ["updated_at"])
    op.create_table(
        "inbox",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "key", name="pk_inbox"),
    )
    op.create_index("ix_inbox_seen_at", "inbox", ["seen_at"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_inbox_seen_at", table_name="inbox")
    op.drop_table("inbox")
    op.drop_index("ix_conversation_state_updated_at", table_name="conversation_state")
    op.drop_table("conversation_state")
