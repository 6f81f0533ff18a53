"""public evidence: indexes for borough counts, public photos and camera confirmations

Revision ID: 0003_public_evidence
Revises: 0002_moderation_campaign
Create Date: 2026-11-28 12:00:00

Borough counts group cameras by (borough_code, status, operator_type, brand_verified);
an index on exactly those columns lets the database answer from the index alone, which
keeps the borough pages fast at hundreds of thousands of cameras. Deciding whether a
photo is public looks removal reports up by photo, and a camera page counts its approved
sightings.
"""
from alembic import op


revision = "0003_public_evidence"
down_revision = "0002_moderation_campaign"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.create_index(
            "ix_camera_counts", ["borough_code", "status", "operator_type", "brand_verified"]
        )
    with op.batch_alter_table("removal_report", schema=None) as batch_op:
        batch_op.create_index("ix_removal_report_photo_id", ["photo_id"])
    with op.batch_alter_table("sighting", schema=None) as batch_op:
        batch_op.create_index("ix_sighting_camera_status", ["camera_id", "status"])


def downgrade():
    with op.batch_alter_table("sighting", schema=None) as batch_op:
        batch_op.drop_index("ix_sighting_camera_status")
    with op.batch_alter_table("removal_report", schema=None) as batch_op:
        batch_op.drop_index("ix_removal_report_photo_id")
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.drop_index("ix_camera_counts")
