"""`flask boroughs reassign`: every camera re-assigned from the boundaries in one command."""

from __future__ import annotations

from datetime import date

from models import AuditEvent, Camera, db


def add_camera(lat: float, lon: float, borough_code: str) -> Camera:
    camera = Camera(
        lat=lat,
        lon=lon,
        borough_code=borough_code,
        status="active",
        brand="hikvision",
        brand_evidence="logo",
        camera_type="dome",
        mount="wall",
        operator_type="council_street",
        first_seen=date(2026, 1, 1),
        last_confirmed=date(2026, 1, 1),
    )
    db.session.add(camera)
    return camera


def test_reassign_corrects_codes_and_never_snaps_outside_points(app, runner):
    with app.app_context():
        trafalgar = add_camera(51.50809, -0.12804, "E09000001")  # wrongly City of London
        bank = add_camera(51.51414, -0.08924, "E09000001")  # right already
        watford = add_camera(51.6565, -0.3903, "E09000017")  # outside London now
        db.session.commit()
        ids = trafalgar.id, bank.id, watford.id

    dry = runner.invoke(args=["boroughs", "reassign", "--dry-run"])
    assert "cameras: 3 checked, 1 moved" in dry.output
    with app.app_context():
        assert db.session.get(Camera, ids[0]).borough_code == "E09000001"

    result = runner.invoke(args=["boroughs", "reassign"])
    assert result.exit_code == 0, result.output
    assert "E09000001→E09000033: 1" in result.output
    assert f"1 now outside every borough (left unchanged; check them): {ids[2]}" in result.output
    with app.app_context():
        codes = [db.session.get(Camera, camera_id).borough_code for camera_id in ids]
        assert codes == ["E09000033", "E09000001", "E09000017"]
        event = db.session.execute(
            db.select(AuditEvent).filter_by(action="boroughs.reassign.cameras")
        ).scalar_one()
        assert event.after["changed"] == {"E09000001→E09000033": 1}
