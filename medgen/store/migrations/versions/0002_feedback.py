"""Feedback: ratings (append-only revisions), per-criterion scores, draft->final edit statistics.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("output_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint("overall BETWEEN 1 AND 5", name=op.f("ck_ratings_overall_range")),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_ratings_revision_positive")),
        sa.ForeignKeyConstraint(
            ["output_id"],
            ["generated_outputs.id"],
            name=op.f("fk_ratings_output_id_generated_outputs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ratings_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint(
            "output_id", "user_id", "revision", name="uq_ratings_output_user_revision"
        ),
    )
    op.create_index(op.f("ix_ratings_output_id"), "ratings", ["output_id"])
    op.create_index(op.f("ix_ratings_created_at"), "ratings", ["created_at"])
    op.create_index("ix_ratings_user_id_output_id", "ratings", ["user_id", "output_id"])
    op.create_table(
        "rating_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_rating_scores_score_range")),
        sa.ForeignKeyConstraint(
            ["rating_id"],
            ["ratings.id"],
            name=op.f("fk_rating_scores_rating_id_ratings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_scores")),
        sa.UniqueConstraint("rating_id", "criterion", name="uq_rating_scores_rating_criterion"),
    )
    op.create_index(op.f("ix_rating_scores_criterion"), "rating_scores", ["criterion"])
    op.create_table(
        "text_edit_stats",
        sa.Column("output_id", sa.Integer(), nullable=False),
        sa.Column("draft_words", sa.Integer(), nullable=False),
        sa.Column("final_words", sa.Integer(), nullable=False),
        sa.Column("edit_distance", sa.Integer(), nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("computed_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["output_id"],
            ["generated_outputs.id"],
            name=op.f("fk_text_edit_stats_output_id_generated_outputs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("output_id", name=op.f("pk_text_edit_stats")),
    )
    op.create_index("ix_generated_outputs_model_version", "generated_outputs", ["model_version"])
    op.create_index(
        "ix_generated_outputs_kind_created_at", "generated_outputs", ["kind", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_generated_outputs_kind_created_at", table_name="generated_outputs")
    op.drop_index("ix_generated_outputs_model_version", table_name="generated_outputs")
    op.drop_table("text_edit_stats")
    op.drop_index(op.f("ix_rating_scores_criterion"), table_name="rating_scores")
    op.drop_table("rating_scores")
    op.drop_index("ix_ratings_user_id_output_id", table_name="ratings")
    op.drop_index(op.f("ix_ratings_created_at"), table_name="ratings")
    op.drop_index(op.f("ix_ratings_output_id"), table_name="ratings")
    op.drop_table("ratings")
