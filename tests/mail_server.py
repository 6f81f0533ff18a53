"""A real SMTP server on 127.0.0.1 for the tests: aiosmtpd on a free port, keeping every
message it accepts so a test can read what a resident would receive."""

from __future__ import annotations

import email
import re
import socket
import threading
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

REPLY_LINK = re.compile(r"https?://\S+/reply/[A-Za-z0-9_-]{22}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd's handler: accepts mail for everyone but the refused addresses."""

    def __init__(self, refused: frozenset[str] = frozenset()) -> None:
        self.refused = refused
        self.messages: list[EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


class SmtpServer:
    """Start with `start()` (or as a context manager); the port is chosen up front, so an
    app can be pointed at it while it is still down."""

    def __init__(self, port: int | None = None, refused: frozenset[str] = frozenset()) -> None:
        self.port = port or free_port()
        self.inbox = Inbox(refused)
        self.controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self.inbox.messages)

    def start(self) -> SmtpServer:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def wait_for(self, count: int, timeout: float = 10) -> list[EmailMessage]:
        """Block until `count` messages have arrived (for a server in another thread)."""
        with self.inbox.arrived:
            self.inbox.arrived.wait_for(lambda: len(self.inbox.messages) >= count, timeout)
        assert len(self.inbox.messages) >= count, (
            f"{len(self.inbox.messages)} of {count} messages arrived"
        )
        return self.messages


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def mail_config(server: SmtpServer) -> dict:
    """App settings that send through this server (no TLS or login on the loopback)."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": server.port,
        "MAIL_USE_TLS": False,
        "MAIL_DEFAULT_SENDER": "Hikwatch London <hello@hikwatch.test>",
        "MAIL_TIMEOUT": 5,
        "PUBLIC_URL": "https://hikwatch.test/",
    }
