"""Booking: further procedures filed at the same visit (`booking.also`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column; existing bookings hold one procedure."""
    with op.batch_alter_table("booking") as batch:
        batch.add_column(sa.Column("also", sa.String(1000), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("booking") as batch:
        batch.drop_column("also")
