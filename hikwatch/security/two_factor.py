"""Two-factor for staff: TOTP codes from an authenticator app (RFC 6238, pyotp) and
one-time recovery codes for when the phone is lost.

Admins always need it; a moderator needs it when an admin requires it (or may turn it on).
The QR code is drawn here (segno) as SVG markup for the page itself, so the secret never
leaves the server in a request to anyone else and the Content-Security-Policy stays as
strict as everywhere. A TOTP code is accepted once: its 30-second step is remembered.
Recovery codes are random (80 bits) and stored only as sha256 hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
import time

import pyotp
import segno

from models import RecoveryCode, User, db, utcnow

ISSUER = "Hikwatch London"
RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits without look-alikes (0/o, 1/l/i).
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_GROUPS, RECOVERY_GROUP_LENGTH = 4, 4  # 16 characters: about 79 bits
# Codes from the step before and after are accepted too: phone clocks drift a little.
DRIFT_STEPS = 1


def begin_enrolment(user: User) -> str:
    """A fresh secret for an account not yet enrolled (kept until a code confirms it)."""
    if user.two_factor_enabled:
        raise ValueError("two-factor is already on for this account")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(user.totp_secret or "").provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> str:
    """The QR code as inline SVG markup: black modules on white, with an accessible name."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        scale=5,
        border=4,
        dark="#000",
        light="#fff",
        title=title,
        svgclass="qr-code",
        lineclass=None,
    )
    return buffer.getvalue().decode().replace("<svg ", '<svg role="img" ', 1)


def spaced_secret(secret: str) -> str:
    """'ABCD EFGH …': easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def digits_of(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "")


def verify_totp(user: User, code: str, now: float | None = None) -> bool:
    """True, and the step remembered, if `code` is the account's current TOTP code."""
    code = digits_of(code)
    if not user.totp_secret or not re.fullmatch(r"\d{6}", code):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    current = int((time.time() if now is None else now) // totp.interval)
    last = user.totp_last_step if user.totp_last_step is not None else -1
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > last and hmac.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            return True
    return False


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Turn two-factor on once a code from the new secret is typed back; returns the new
    recovery codes (to show once), or None if the code is wrong."""
    if user.two_factor_enabled or not verify_totp(user, code):
        return None
    user.totp_enabled_at = utcnow()
    return new_recovery_codes(user)


def recovery_hash(user: User, code: str) -> str:
    return hashlib.sha256(f"{user.id}:{normalised_recovery(code)}".encode()).hexdigest()


def normalised_recovery(code: str) -> str:
    return digits_of(code).lower()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes with fresh ones; returns them in plain text,
    the only time they exist outside the owner's hands (the caller commits)."""
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(
            secrets.choice(RECOVERY_ALPHABET)
            for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH)
        )
        code = "-".join(
            raw[i : i + RECOVERY_GROUP_LENGTH] for i in range(0, len(raw), RECOVERY_GROUP_LENGTH)
        )
        db.session.add(RecoveryCode(user_id=user.id, code_hash=recovery_hash(user, code)))
        codes.append(code)
    return codes


def unused_recovery_codes(user: User) -> int:
    return db.session.execute(
        db.select(db.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalar_one()


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code; True if `code` was one."""
    if len(normalised_recovery(code)) != RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH:
        return False
    row = db.session.execute(
        db.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == recovery_hash(user, code),
            RecoveryCode.used_at.is_(None),
        )
    ).scalar_one_or_none()
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def check_code(user: User, code: str) -> str | None:
    """'authenticator app' or 'recovery code' when `code` lets the account in, else None."""
    if verify_totp(user, code):
        return "authenticator app"
    if use_recovery_code(user, code):
        return "recovery code"
    return None


def reset(user: User) -> None:
    """Turn two-factor off and forget the secret and codes; the account enrols again at its
    next login if it needs two-factor (the caller ends its sessions and commits)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
