"""Outgoing mail (SPEC §10): a durable queue, delivered in the background through a real SMTP
server (aiosmtpd, started here on a loopback port) or into the outbox folder; retried when
the server fails, never sent twice, and never holding up the request that queued it."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import logging
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from core import mail as mail_module
from core.db import transaction
from core.mail import Mail, MailWorker, SmtpServer, enqueue, utcnow
from core.settings import Secret, Settings, SettingsError
from core.tables import OutgoingMail
from tests.conftest import make_settings
from tests.factories import ApiClient

LINK = "http://127.0.0.1:8000/verify?token=AbC-123_xyz"
SMTP_USER = "mailer"
# Characters that must be percent-encoded in the URL, to check the parsing too.
SMTP_PASSWORD = "Pa:ss@w/rd%42-very-secret"


# --- a real SMTP server ------------------------------------------------------------------


class Collector:
    """An aiosmtpd handler that keeps what it receives, or answers `reply` to DATA."""

    def __init__(self, reply: str | None = None) -> None:
        self.reply = reply
        self.received: list[tuple[str, list[str], bytes]] = []
        self.logins: list[tuple[bytes, bool]] = []

    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        raw = envelope.original_content or envelope.content
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), raw))
        return "250 OK"

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == SMTP_USER.encode()
            and auth_data.password == SMTP_PASSWORD.encode()
        )
        self.logins.append((auth_data.login if isinstance(auth_data, LoginPassword) else b"", ok))
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default) for _f, _t, raw in self.received]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def smtp_server(handler: Collector, port: int | None = None, auth: bool = False):
    """aiosmtpd on 127.0.0.1 (its own thread and loop). With `auth`, AUTH is offered (over
    plain text: this is a loopback test server) and checked by `handler.authenticator`."""
    port = port or free_port()
    options = dict(authenticator=handler.authenticator, auth_require_tls=False) if auth else {}
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    await asyncio.to_thread(controller.start)
    try:
        yield port
    finally:
        await asyncio.to_thread(controller.stop)


def smtp_settings(port: int, user: str | None = None, password: str | None = None) -> Settings:
    credentials = f"{quote(user, safe='')}:{quote(password, safe='')}@" if user else ""
    return make_settings(smtp_url=Secret(f"smtp://{credentials}127.0.0.1:{port}"))


async def row_of(mail_id: int) -> dict:
    return await OutgoingMail.select().where(OutgoingMail.id == mail_id).first()


async def only_row() -> dict:
    rows = await OutgoingMail.select()
    assert len(rows) == 1, rows
    return rows[0]


# --- the outbox (no SMTP_URL) ------------------------------------------------------------


async def test_outbox_mode_writes_one_eml_file_and_logs_the_link(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="prizes.mail")
    worker = MailWorker(make_settings(smtp_url=None), outbox_dir=tmp_path / "outbox")
    await enqueue(Mail(to="ada@example.org", subject="Confirm your e-mail address", text=f"Open this link:\n\n{LINK}\n",
                       kind="verify"))
    queued = await only_row()
    assert queued["kind"] == "verify" and queued["sent_at"] is None and queued["attempts"] == 0

    assert await worker.deliver_due() == 1

    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert [f.name.endswith(f"-{queued['id']}.eml") for f in files] == [True]
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Confirm your e-mail address"
    assert message["To"] == "ada@example.org"
    assert message["From"] == Settings.__dataclass_fields__["mail_from"].default
    assert message.get_content_type() == "text/plain"
    assert LINK in message.get_content()
    assert not list((tmp_path / "outbox").glob(".*"))  # no partial file left behind

    row = await row_of(queued["id"])
    assert row["sent_at"] is not None and row["next_attempt_at"] is None and row["attempts"] == 1
    assert "mail to ada@example.org: Confirm your e-mail address" in caplog.text
    assert LINK in caplog.text

    assert await worker.deliver_due() == 0
    assert await worker.deliver_due(now=utcnow() + timedelta(days=3)) == 0
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


async def test_outbox_mail_with_html_is_multipart_alternative_in_utf8(tmp_path):
    worker = MailWorker(make_settings(smtp_url=None), outbox_dir=tmp_path)
    await enqueue(Mail(to="zoe@example.org", subject="Vérifiez votre adresse", text=f"Cliquez ici : {LINK}",
                       html=f'<p>Cliquez <a href="{LINK}">ici</a> — merci</p>'))
    assert await worker.deliver_due() == 1
    [path] = tmp_path.glob("*.eml")
    raw = path.read_bytes()
    assert b"\r\n" in raw  # RFC 5322 line ends
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Vérifiez votre adresse"
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip() == f"Cliquez ici : {LINK}"
    assert "— merci" in message.get_body(("html",)).get_content()


async def test_a_mail_is_queued_only_if_the_callers_transaction_commits(tmp_path):
    with pytest.raises(RuntimeError):
        async with transaction():
            await enqueue(Mail(to="gone@example.org", subject="never", text="never"))
            raise RuntimeError("the caller's change fails")
    async with transaction():
        await enqueue(Mail(to="kept@example.org", subject="kept", text="kept"))
    assert [r["recipient"] for r in await OutgoingMail.select(OutgoingMail.recipient)] == ["kept@example.org"]


async def test_enqueue_refuses_a_mail_that_could_never_be_sent():
    for bad in (
        Mail(to="a@example.org\r\nBcc: b@example.org", subject="x", text="x"),
        Mail(to="a@example.org", subject="x\nBcc: b@example.org", text="x"),
        Mail(to="not an address", subject="x", text="x"),
    ):
        with pytest.raises(ValueError):
            await enqueue(bad)
    assert await OutgoingMail.count() == 0


# --- SMTP --------------------------------------------------------------------------------


async def test_smtp_delivery_with_auth_keeps_utf8_subject_and_body(tmp_path):
    handler = Collector()
    async with smtp_server(handler, auth=True) as port:
        worker = MailWorker(smtp_settings(port, SMTP_USER, SMTP_PASSWORD), outbox_dir=tmp_path)
        text = f"Bonjour Zoé,\n\nVérifiez votre adresse en ouvrant ce lien :\n{LINK}\n"
        await enqueue(Mail(to="zoe@example.org", subject="Vérifiez votre adresse", text=text, kind="verify"))
        assert await worker.deliver_due() == 1

    assert handler.logins == [(SMTP_USER.encode(), True)]
    [(sender, recipients, _raw)] = handler.received
    assert sender == "no-reply@wsis-prizes.invalid" and recipients == ["zoe@example.org"]
    [message] = handler.messages()
    assert message["Subject"] == "Vérifiez votre adresse"
    assert message["To"] == "zoe@example.org"
    assert message.get_content().replace("\r\n", "\n") == text  # CRLF on the wire
    assert message["X-Prizes-Mail-Kind"] == "verify"
    row = await only_row()
    assert row["sent_at"] is not None and row["last_error"] == ""
    assert not list(tmp_path.iterdir())  # SMTP mode writes no outbox file


async def test_smtp_without_credentials_and_a_mail_from_setting():
    handler = Collector()
    async with smtp_server(handler) as port:
        settings = smtp_settings(port).replace(mail_from="Secrétariat SMSI <prizes@itu.example>")
        worker = MailWorker(settings)
        await enqueue(Mail(to="bo@example.org", subject="Hello", text="Body"))
        assert await worker.deliver_due() == 1
    [message] = handler.messages()
    assert handler.received[0][0] == "prizes@itu.example"
    assert message["From"].addresses[0].display_name == "Secrétariat SMSI"
    assert message["Message-ID"].endswith("@itu.example>")


async def test_a_failing_server_delays_the_mail_not_the_request(tmp_path):
    port = free_port()  # nothing listens there yet
    worker = MailWorker(smtp_settings(port), outbox_dir=tmp_path)

    started = time.perf_counter()
    await enqueue(Mail(to="ada@example.org", subject="Reset your password", text=LINK, kind="reset"))
    assert time.perf_counter() - started < 0.5

    before = utcnow()
    assert await worker.deliver_due() == 0
    row = await only_row()
    assert row["attempts"] == 1 and row["sent_at"] is None
    assert row["last_error"]
    assert row["next_attempt_at"] > before + timedelta(seconds=5)
    # Not due again before its time.
    assert await worker.deliver_due() == 0
    assert (await only_row())["attempts"] == 1

    handler = Collector()
    async with smtp_server(handler, port=port):
        later = row["next_attempt_at"] + timedelta(seconds=1)
        assert await worker.deliver_due(now=later) == 1
        assert await worker.deliver_due(now=later + timedelta(hours=2)) == 0
    assert len(handler.received) == 1
    assert handler.messages()[0]["Subject"] == "Reset your password"
    row = await only_row()
    assert row["sent_at"] is not None and row["next_attempt_at"] is None and row["attempts"] == 2


async def test_a_server_answering_try_later_is_retried_with_growing_waits():
    handler = Collector(reply="451 Try again later")
    async with smtp_server(handler) as port:
        worker = MailWorker(smtp_settings(port))
        await enqueue(Mail(to="ada@example.org", subject="Later", text="body"))
        now = utcnow()
        assert await worker.deliver_due(now=now) == 0
        first = await only_row()
        assert first["attempts"] == 1 and "451" in first["last_error"]
        assert now + mail_module.BACKOFF[0] <= first["next_attempt_at"] <= utcnow() + mail_module.BACKOFF[0]

        now = first["next_attempt_at"]
        assert await worker.deliver_due(now=now) == 0
        second = await only_row()
        assert second["attempts"] == 2
        assert second["next_attempt_at"] == now + mail_module.BACKOFF[1]  # `now` is ahead of the clock

        handler.reply = None
        assert await worker.deliver_due(now=second["next_attempt_at"]) == 1
        assert await worker.deliver_due(now=second["next_attempt_at"] + timedelta(hours=1)) == 0
    assert len(handler.received) == 1


async def test_a_mail_is_given_up_after_a_day_or_when_refused(caplog):
    caplog.set_level(logging.WARNING, logger="prizes.mail")
    port = free_port()
    worker = MailWorker(smtp_settings(port))
    await enqueue(Mail(to="old@example.org", subject="Old", text="body"))
    row = await only_row()
    assert await worker.deliver_due(now=row["created_at"] + timedelta(hours=25)) == 0
    row = await only_row()
    assert row["sent_at"] is None and row["next_attempt_at"] is None
    assert row["last_error"].startswith("failed (gave up after 1 attempts)")
    assert any(r.levelno == logging.ERROR and "old@example.org" in r.getMessage() for r in caplog.records)
    assert await worker.deliver_due(now=utcnow() + timedelta(days=30)) == 0

    await OutgoingMail.delete(force=True)
    handler = Collector(reply="550 No such user here")
    async with smtp_server(handler) as port:
        worker = MailWorker(smtp_settings(port))
        await enqueue(Mail(to="nobody@example.org", subject="Refused", text="body"))
        assert await worker.deliver_due() == 0
    row = await only_row()
    assert row["next_attempt_at"] is None and row["last_error"].startswith("failed (refused)")
    assert "550" in row["last_error"]


async def test_two_workers_at_once_send_each_mail_exactly_once():
    handler = Collector()
    count = mail_module.BATCH + 7  # more than one batch
    async with smtp_server(handler) as port:
        settings = smtp_settings(port)
        for number in range(count):
            await enqueue(Mail(to=f"person{number}@example.org", subject=f"Mail {number}", text=f"body {number}"))
        first, second = MailWorker(settings), MailWorker(settings)
        sent = await asyncio.gather(first.deliver_due(), second.deliver_due(), first.deliver_due())
        assert sum(sent) == count
        assert await second.deliver_due(now=utcnow() + timedelta(days=1)) == 0
    subjects = sorted(message["Subject"] for message in handler.messages())
    assert subjects == sorted(f"Mail {number}" for number in range(count))
    assert await OutgoingMail.count().where(OutgoingMail.sent_at.is_null()) == 0


class SlowCollector(Collector):
    """Takes `delay` seconds to accept a message; `started` is set when one arrives."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.started = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.started.set()
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


async def test_a_stopping_worker_finishes_and_records_the_send_under_way():
    handler = SlowCollector(delay=0.5)
    async with smtp_server(handler) as port:
        worker = MailWorker(smtp_settings(port))
        running = asyncio.create_task(worker.run(poll_seconds=30))
        await enqueue(Mail(to="ada@example.org", subject="In flight", text="x"))
        assert await asyncio.to_thread(handler.started.wait, 5)
        running.cancel()  # what the app does when it stops
        with pytest.raises(asyncio.CancelledError):
            await running
        row = await only_row()
        assert row["sent_at"] is not None and len(handler.received) == 1
        # Nothing is sent again, now or once a claim would have lapsed.
        assert await MailWorker(smtp_settings(port)).deliver_due(now=utcnow() + timedelta(hours=1)) == 0
    assert len(handler.received) == 1


# --- the app runs the worker -------------------------------------------------------------


async def _wait_for_outbox_file(outbox: Path, before: set[Path], subject: str, seconds: float) -> Path | None:
    """A file written to the outbox since `before` (the app's outbox is shared by the tests,
    and ids restart after each test's clean-up) with this subject."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for path in set(outbox.glob("*.eml")) - before:
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["Subject"] == subject:
                return path
        await asyncio.sleep(0.01)
    return None


async def test_the_running_app_delivers_a_queued_mail_by_itself(settings):
    from main import create_app

    app = create_app(settings.replace(mail_poll_seconds=0.05, smtp_url=None))
    outbox = settings.var_dir / "outbox"
    async with ApiClient.for_app(app):
        worker = app.state["mail_worker"]
        assert isinstance(worker, MailWorker) and worker.outbox_dir == outbox
        assert len(mail_module._listeners) == 1  # the worker's loop is waiting for wake-ups
        before = set(outbox.glob("*.eml"))
        await enqueue(Mail(to="ada@example.org", subject="By itself", text=LINK))
        path = await _wait_for_outbox_file(outbox, before, "By itself", 2.0)
        assert path is not None, "the app's worker did not deliver the mail within 2 s"
        assert path.name.endswith(f"-{(await only_row())['id']}.eml")
    assert not mail_module._listeners  # stopped with the app
    row = await only_row()
    assert row["sent_at"] is not None and row["attempts"] == 1


async def test_an_enqueue_wakes_the_worker_long_before_its_next_poll(settings):
    """A local user sees the mail at once, even if the enqueuing transaction commits a little
    after the enqueue."""
    from main import create_app

    app = create_app(settings.replace(mail_poll_seconds=30, smtp_url=None))
    outbox = settings.var_dir / "outbox"
    async with ApiClient.for_app(app):
        await asyncio.sleep(0.1)  # the worker's first pass is over: it now sleeps for 30 s
        before = set(outbox.glob("*.eml"))
        started = time.perf_counter()
        await enqueue(Mail(to="ada@example.org", subject="At once", text=LINK))
        assert await _wait_for_outbox_file(outbox, before, "At once", 1.0) is not None
        assert time.perf_counter() - started < 1.0

        async with transaction():
            await enqueue(Mail(to="bo@example.org", subject="After commit", text=LINK))
            await asyncio.sleep(0.3)  # the worker wakes and finds nothing committed yet
        committed = time.perf_counter()
        assert await _wait_for_outbox_file(outbox, before, "After commit", 1.0) is not None
        assert time.perf_counter() - committed < 1.0


async def test_no_worker_runs_when_the_poll_is_zero(settings):
    from main import create_app

    app = create_app(settings.replace(mail_poll_seconds=0, smtp_url=None))
    async with ApiClient.for_app(app):
        assert isinstance(app.state["mail_worker"], MailWorker)
        assert not mail_module._listeners
        await enqueue(Mail(to="ada@example.org", subject="Stays queued", text="x"))
        await asyncio.sleep(0.2)
        assert (await only_row())["sent_at"] is None


# --- secrets -----------------------------------------------------------------------------


async def test_the_smtp_password_shows_in_no_log_error_or_repr(caplog):
    caplog.set_level(logging.DEBUG)
    encoded = quote(SMTP_PASSWORD, safe="")
    handler = Collector()
    async with smtp_server(handler, auth=True) as port:
        wrong = "Wrong:pass@word-also-secret"
        settings = smtp_settings(port, SMTP_USER, wrong)
        worker = MailWorker(settings)
        await enqueue(Mail(to="ada@example.org", subject="Denied", text="x"))
        assert await worker.deliver_due() == 0
        row = await only_row()
        assert row["attempts"] == 1 and "535" in row["last_error"]
        for text in (row["last_error"], caplog.text, repr(settings), repr(worker), repr(worker.smtp)):
            assert wrong not in text and quote(wrong, safe="") not in text

        right = smtp_settings(port, SMTP_USER, SMTP_PASSWORD)
        assert await MailWorker(right).deliver_due(now=row["next_attempt_at"]) == 1
        assert len(handler.received) == 1
        for text in (caplog.text, repr(right), repr(MailWorker(right))):
            assert SMTP_PASSWORD not in text and encoded not in text
    # A message that did carry the password is scrubbed before it is stored or logged.
    server = SmtpServer.parse(right.smtp_url)
    assert server.password.reveal() == SMTP_PASSWORD and server.username == SMTP_USER and server.port == port
    assert SMTP_PASSWORD not in server.scrub(f"login {SMTP_PASSWORD} refused")


def test_mail_settings_are_read_from_the_environment(tmp_path):
    base = {"PRIZES_VAR_DIR": str(tmp_path), "SECRET_KEY": "k" * 40}
    settings = Settings.from_env({**base, "MAIL_FROM": "Prizes <p@example.org>", "MAIL_POLL_SECONDS": "0.5",
                                  "SMTP_URL": "smtps://u:p%40ss@mail.example.org"}, env_file=tmp_path / "none")
    assert settings.mail_from == "Prizes <p@example.org>" and settings.mail_poll_seconds == 0.5
    server = SmtpServer.parse(settings.smtp_url)
    assert (server.hostname, server.port, server.use_tls) == ("mail.example.org", 465, True)
    assert server.password.reveal() == "p@ss"
    defaults = Settings.from_env(base, env_file=tmp_path / "none")
    assert defaults.mail_poll_seconds == 2.0 and defaults.mail_from.endswith("<no-reply@wsis-prizes.invalid>")
    for value in ("-1", "soon", "nan"):
        with pytest.raises(SettingsError):
            Settings.from_env({**base, "MAIL_POLL_SECONDS": value}, env_file=tmp_path / "none")
    with pytest.raises(SettingsError):
        SmtpServer.parse("http://mail.example.org")
    with pytest.raises(SettingsError):
        MailWorker(settings.replace(mail_from="nobody"))
