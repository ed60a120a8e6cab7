"""Shared pytest setup. Builders live in sreda/core/testing.py."""
import os

import pytest
from hypothesis import settings

# API lists written straight from rows are checked against their schemas in every test, and in the servers
# that tests start (sreda.api.schemas.paginate_rows).
os.environ["SREDA_API_CHECK_ROWS"] = "1"


@pytest.fixture(autouse=True, scope="session")
def _check_api_rows():
    from django.conf import settings as django_settings

    django_settings.SREDA_API_CHECK_ROWS = True


# A real Matrix homeserver (Synapse) for the messenger's tests, one per test session (R24–R30).
pytest_plugins = ["sreda.chats.testing_synapse"]

# A loaded 2-core CI machine must not turn a slow example into a failure; the properties still run.
settings.register_profile("ci", deadline=None, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


# --- a real SMTP server for mail tests (ARCHITECTURE: real parts in tests) ---------------------------
import email
import email.policy
import socket
import time
from dataclasses import dataclass, field


@dataclass
class SmtpInbox:
    """Messages received by the local aiosmtpd server, parsed (email.message.EmailMessage)."""

    host: str
    port: int
    messages: list = field(default_factory=list)

    def wait_for(self, count: int = 1, timeout: float = 5.0) -> list:
        """Mail is handed over synchronously by Django, but the server parses in its own thread."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in (m["To"] or "")]


@pytest.fixture
def smtp_server(settings):
    """An aiosmtpd server on a free local port; Django's SMTP backend is pointed at it for the test."""
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self, inbox: SmtpInbox):
            self.inbox = inbox

        async def handle_DATA(self, server, session, envelope):
            self.inbox.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = SmtpInbox("127.0.0.1", port)
    controller = Controller(Handler(inbox), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a trend drawn by one test is not another test's data."""
    from django.core.cache import cache

    cache.clear()
    yield
