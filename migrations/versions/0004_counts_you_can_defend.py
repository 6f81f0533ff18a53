"""counts you can defend: brand tiers, merges and retractions, snapshots by time, re-checks

Revision ID: 0004_counts_you_can_defend
Revises: 0003_public_evidence
Create Date: 2026-12-02 10:00:00

Schema:
- camera: `merged_into_id`, `retraction_reason`, `status_recorded_on` (the day the current
  status was recorded: a removal's check_date in the OpenStreetMap export); the counts
  index gains `brand`, which every figure now filters on;
- camera_correction: merges and retractions, with what an admin needs to undo them;
- sighting: `recheck_camera_id`, the camera a resident says is still there;
- snapshot: `name` (its UTC time, e.g. 2026-12-02T09-41Z), unique; `taken_on` no longer is,
  so several snapshots can be taken in a day.

Data carried across:
- every camera's `status_recorded_on` from its status history (else the day its status
  changed, else the day it was first seen);
- a brand is verified only from a logo or a label: cameras verified from the form factor
  alone become unverified ("unconfirmed"), audited;
- cameras whose brand is outside the Hikvision group are retracted with the reason
  "Recorded before brand checks: not a Hikvision-group brand", audited and undoable;
- existing snapshots are named from the moment they were taken; their payloads (and so
  their SHA-256) are untouched.
Unverified cameras with a group brand need no change: they are what `unconfirmed` counts.
"""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0004_counts_you_can_defend"
down_revision = "0003_public_evidence"
branch_labels = None
depends_on = None

HIKVISION_GROUP = ("hikvision", "hilook", "hiwatch", "ezviz")
VERIFYING_EVIDENCE = ("logo", "label")
RETRACTION_REASON = "Recorded before brand checks: not a Hikvision-group brand"
UNVERIFY_REASON = "A brand is verified only from a logo or a label, never from the form factor"

camera = sa.table(
    "camera",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("status_changed_on", sa.Date),
    sa.column("status_recorded_on", sa.Date),
    sa.column("retraction_reason", sa.Text),
    sa.column("merged_into_id", sa.Integer),
    sa.column("brand", sa.String),
    sa.column("brand_evidence", sa.String),
    sa.column("brand_verified", sa.Boolean),
    sa.column("verified_at", sa.DateTime),
    sa.column("verified_by_id", sa.Integer),
    sa.column("first_seen", sa.Date),
)
status_change = sa.table(
    "camera_status_change",
    sa.column("id", sa.Integer),
    sa.column("camera_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("changed_on", sa.Date),
    sa.column("recorded_at", sa.DateTime),
    sa.column("note", sa.Text),
)
correction = sa.table(
    "camera_correction",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("camera_id", sa.Integer),
    sa.column("reason", sa.Text),
    sa.column("previous_status", sa.String),
    sa.column("previous_status_changed_on", sa.Date),
    sa.column("previous_status_recorded_on", sa.Date),
    sa.column("made_at", sa.DateTime),
    sa.column("undone_at", sa.DateTime),
)
audit_event = sa.table(
    "audit_event",
    sa.column("at", sa.DateTime),
    sa.column("user_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
    sa.column("reason", sa.Text),
)
snapshot = sa.table(
    "snapshot",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("taken_at", sa.DateTime),
)


def upgrade():
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_recorded_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("retraction_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_camera_merged_into_id_camera"), "camera", ["merged_into_id"], ["id"]
        )
        batch_op.drop_index("ix_camera_counts")
        batch_op.create_index(
            "ix_camera_counts",
            ["borough_code", "status", "operator_type", "brand_verified", "brand"],
        )
    with op.batch_alter_table("sighting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recheck_camera_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_sighting_recheck_camera_id_camera"),
            "camera",
            ["recheck_camera_id"],
            ["id"],
        )
    op.create_table(
        "camera_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("into_camera_id", sa.Integer(), nullable=True),
        sa.Column("into_first_seen", sa.Date(), nullable=True),
        sa.Column("into_last_confirmed", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("previous_status", sa.String(length=12), nullable=False),
        sa.Column("previous_status_changed_on", sa.Date(), nullable=True),
        sa.Column("previous_status_recorded_on", sa.Date(), nullable=True),
        sa.Column("moved", sa.JSON(), nullable=True),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=True),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.Column("undo_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["camera_id"], ["camera.id"], name=op.f("fk_camera_correction_camera_id_camera")
        ),
        sa.ForeignKeyConstraint(
            ["into_camera_id"],
            ["camera.id"],
            name=op.f("fk_camera_correction_into_camera_id_camera"),
        ),
        sa.ForeignKeyConstraint(
            ["made_by_id"],
            ["user_account.id"],
            name=op.f("fk_camera_correction_made_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"],
            ["user_account.id"],
            name=op.f("fk_camera_correction_undone_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_camera_correction")),
    )
    with op.batch_alter_table("camera_correction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_camera_correction_camera_id"), ["camera_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_camera_correction_into_camera_id"), ["into_camera_id"], unique=False
        )

    with op.batch_alter_table("snapshot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=24), nullable=True))
    connection = op.get_bind()
    name_snapshots(connection)
    with op.batch_alter_table("snapshot", schema=None) as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(length=24), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_snapshot_name"), ["name"])
        batch_op.drop_constraint("uq_snapshot_taken_on", type_="unique")
        batch_op.create_index(batch_op.f("ix_snapshot_taken_on"), ["taken_on"], unique=False)

    record_status_days(connection)
    unverify_form_factor_cameras(connection)
    retract_other_brands(connection)


def name_snapshots(connection) -> None:
    """Name each existing snapshot by its UTC minute (seconds too if two share a minute)."""
    taken = set()
    rows = connection.execute(sa.select(snapshot.c.id, snapshot.c.taken_at).order_by("id"))
    for snapshot_id, taken_at in rows.all():
        name = taken_at.strftime("%Y-%m-%dT%H-%MZ")
        if name in taken:
            name = taken_at.strftime("%Y-%m-%dT%H-%M-%SZ")
        if name in taken:
            name = f"{taken_at:%Y-%m-%dT%H-%M-%S}-{snapshot_id}Z"
        taken.add(name)
        connection.execute(
            snapshot.update().where(snapshot.c.id == snapshot_id).values(name=name)
        )


def record_status_days(connection) -> None:
    """When each camera's current status was recorded: its latest matching history entry."""
    latest = {
        (camera_id, status): recorded_at
        for camera_id, status, recorded_at in connection.execute(
            sa.select(
                status_change.c.camera_id,
                status_change.c.status,
                sa.func.max(status_change.c.recorded_at),
            ).group_by(status_change.c.camera_id, status_change.c.status)
        )
    }
    rows = connection.execute(
        sa.select(camera.c.id, camera.c.status, camera.c.status_changed_on, camera.c.first_seen)
    ).all()
    for camera_id, status, changed_on, first_seen in rows:
        recorded_at = latest.get((camera_id, status))
        day = recorded_at.date() if recorded_at else (changed_on or first_seen)
        connection.execute(
            camera.update().where(camera.c.id == camera_id).values(status_recorded_on=day)
        )


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def london_today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


def unverify_form_factor_cameras(connection) -> None:
    rows = connection.execute(
        sa.select(camera.c.id, camera.c.verified_at, camera.c.verified_by_id).where(
            camera.c.brand_verified.is_(True),
            camera.c.brand_evidence.not_in(VERIFYING_EVIDENCE),
        )
    ).all()
    for camera_id, verified_at, verified_by_id in rows:
        connection.execute(
            camera.update()
            .where(camera.c.id == camera_id)
            .values(brand_verified=False, verified_at=None, verified_by_id=None)
        )
        connection.execute(
            audit_event.insert().values(
                at=now(),
                user_id=None,
                action="camera.edit",
                object_type="camera",
                object_id=str(camera_id),
                before={
                    "brand_verified": True,
                    "verified_at": verified_at.isoformat() if verified_at else None,
                    "verified_by_id": verified_by_id,
                },
                after={"brand_verified": False, "verified_at": None, "verified_by_id": None},
                reason=UNVERIFY_REASON,
            )
        )


def retract_other_brands(connection) -> None:
    today, moment = london_today(), now()
    rows = connection.execute(
        sa.select(
            camera.c.id, camera.c.status, camera.c.status_changed_on, camera.c.status_recorded_on
        ).where(
            camera.c.brand.not_in(HIKVISION_GROUP),
            camera.c.status.not_in(("merged", "retracted")),
        )
    ).all()
    for camera_id, status, changed_on, recorded_on in rows:
        connection.execute(
            camera.update()
            .where(camera.c.id == camera_id)
            .values(
                status="retracted",
                status_changed_on=today,
                status_recorded_on=today,
                retraction_reason=RETRACTION_REASON,
            )
        )
        connection.execute(
            status_change.insert().values(
                camera_id=camera_id,
                status="retracted",
                changed_on=today,
                recorded_at=moment,
                note=RETRACTION_REASON,
            )
        )
        connection.execute(
            correction.insert().values(
                kind="retraction",
                camera_id=camera_id,
                reason=RETRACTION_REASON,
                previous_status=status,
                previous_status_changed_on=changed_on,
                previous_status_recorded_on=recorded_on,
                made_at=moment,
            )
        )
        connection.execute(
            audit_event.insert().values(
                at=moment,
                user_id=None,
                action="camera.retract",
                object_type="camera",
                object_id=str(camera_id),
                before={"status": status, "retraction_reason": None},
                after={"status": "retracted", "retraction_reason": RETRACTION_REASON},
                reason=RETRACTION_REASON,
            )
        )


def downgrade():
    """Back to one snapshot a day and four statuses. Open merges and retractions are
    reverted to the status each camera had before (rows a merge moved stay where they are);
    form-factor verifications are not restored. Refused if a day has several snapshots."""
    connection = op.get_bind()
    duplicated = connection.execute(
        sa.text("SELECT taken_on FROM snapshot GROUP BY taken_on HAVING count(*) > 1")
    ).first()
    if duplicated:
        raise RuntimeError(
            f"Several snapshots were taken on {duplicated[0]}; the previous schema allows one "
            "a day, so this downgrade would lose cited records. Keep this revision."
        )
    open_corrections = connection.execute(
        sa.select(
            correction.c.camera_id,
            correction.c.previous_status,
            correction.c.previous_status_changed_on,
        ).where(correction.c.undone_at.is_(None))
    ).all()
    for camera_id, status, changed_on in open_corrections:
        connection.execute(
            camera.update()
            .where(camera.c.id == camera_id)
            .values(status=status, status_changed_on=changed_on)
        )

    with op.batch_alter_table("snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snapshot_taken_on"))
        batch_op.create_unique_constraint(batch_op.f("uq_snapshot_taken_on"), ["taken_on"])
        batch_op.drop_constraint(batch_op.f("uq_snapshot_name"), type_="unique")
        batch_op.drop_column("name")
    with op.batch_alter_table("camera_correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_correction_into_camera_id"))
        batch_op.drop_index(batch_op.f("ix_camera_correction_camera_id"))
    op.drop_table("camera_correction")
    with op.batch_alter_table("sighting", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_sighting_recheck_camera_id_camera"), type_="foreignkey"
        )
        batch_op.drop_column("recheck_camera_id")
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.drop_index("ix_camera_counts")
        batch_op.create_index(
            "ix_camera_counts", ["borough_code", "status", "operator_type", "brand_verified"]
        )
        batch_op.drop_constraint(batch_op.f("fk_camera_merged_into_id_camera"), type_="foreignkey")
        batch_op.drop_column("retraction_reason")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("status_recorded_on")
