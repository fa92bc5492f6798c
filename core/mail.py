"""Outgoing mail: a durable queue in the database, delivered in the background.

    await enqueue(Mail(to=email, subject=..., text=..., kind="verify"))

`enqueue` is one INSERT: called inside `core.db.transaction()`, the mail is queued if and only
if the caller's change commits. It never talks to an SMTP server, so a request never waits
for one nor fails because of one.

Each app process runs a `MailWorker` (`main.py`). It claims due mails with a compare-and-set
UPDATE (so several processes never send one mail twice), sends them, and on a failure
retries later with an exponential backoff (10 s, 30 s, 2 min, 10 min, then hourly), giving
up a day after the mail was queued. With `SMTP_URL` set (`smtp://user:pass@host:port`,
STARTTLS when the server offers it; `smtps://` for TLS from the first byte) mails go
through that server; without it they are written as `.eml` files to `var/outbox/` and to
the log, so that a local user can click the link.

A mail is sent at least once: a process that dies between the server's acceptance and the
record of it sends that mail again once its claim (`LEASE`) has lapsed.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import logging
import os
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from core.settings import Secret, Settings, SettingsError
from core.tables import OutgoingMail

log = logging.getLogger("prizes.mail")

# Waits after the 1st, 2nd, ... failed attempt; the last one repeats.
BACKOFF = (
    timedelta(seconds=10),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
)
# A mail still not sent this long after it was queued is given up.
GIVE_UP_AFTER = timedelta(hours=24)
# How long a claimed mail is left to the worker that claimed it; longer than SEND_TIMEOUT.
LEASE = timedelta(minutes=2)
# Timeout of each SMTP step (connect, STARTTLS, AUTH, each command), and of one whole send.
SMTP_TIMEOUT = 10.0
SEND_TIMEOUT = 60.0
# Mails claimed per query, and sent at once by one worker.
BATCH = 20
CONCURRENCY = 4
# After an enqueue in this process the worker looks often for a while: the enqueuing
# transaction may commit a little later than the enqueue itself.
EAGER_SECONDS = 2.0
EAGER_POLL = 0.05
MAX_ERROR_LENGTH = 2000
# How long a stopping worker waits for the sends under way.
STOP_GRACE = 15.0


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    kind: str = ""

    def check(self) -> None:
        """A mail that could never be sent is a programming error: say so at enqueue."""
        for name, value in (("to", self.to), ("subject", self.subject), ("kind", self.kind)):
            if "\r" in value or "\n" in value:
                raise ValueError(f"Mail.{name} must be one line")
        if "@" not in self.to or parseaddr(self.to)[1] != self.to.strip():
            raise ValueError(f"Mail.to is not an address: {self.to!r}")
        if len(self.kind) > 40:
            raise ValueError("Mail.kind is at most 40 characters")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --- enqueue -----------------------------------------------------------------------------

# The wake-up events of the workers running in this process, with their loops.
_listeners: "weakref.WeakKeyDictionary[asyncio.Event, asyncio.AbstractEventLoop]" = weakref.WeakKeyDictionary()


async def enqueue(mail: Mail) -> None:
    """Queue `mail` (one INSERT, in the caller's transaction if there is one) and wake this
    process's mail worker. Never contacts a mail server."""
    mail.check()
    now = utcnow()
    await OutgoingMail.insert(
        OutgoingMail(
            kind=mail.kind,
            recipient=mail.to.strip(),
            subject=mail.subject,
            body_text=mail.text,
            body_html=mail.html,
            created_at=now,
            attempts=0,
            next_attempt_at=now,
            sent_at=None,
            last_error="",
        )
    )
    _wake_workers()


def _wake_workers() -> None:
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    for event, loop in list(_listeners.items()):
        if loop is running:
            event.set()
        elif not loop.is_closed():
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # closed meanwhile
                pass


# --- the message -------------------------------------------------------------------------


def build_message(row: dict, mail_from: str) -> EmailMessage:
    """The RFC 5322 message of a queued row (UTF-8; multipart/alternative with HTML). The
    Message-ID is derived from the row, so a retried mail keeps it."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = row["recipient"]
    message["Subject"] = row["subject"]
    message["Date"] = format_datetime(row["created_at"].astimezone(timezone.utc))
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "wsis-prizes.invalid"
    message["Message-ID"] = f"<mail-{row['id']}.{int(row['created_at'].timestamp())}@{domain}>"
    if row.get("kind"):
        message["X-Prizes-Mail-Kind"] = row["kind"]
    message.set_content(row["body_text"], charset="utf-8")
    if row.get("body_html"):
        message.add_alternative(row["body_html"], subtype="html", charset="utf-8")
    return message


# --- SMTP --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpServer:
    """Where to send, parsed from SMTP_URL. `password` stays a `Secret` until we connect."""

    hostname: str
    port: int
    username: str | None
    password: Secret | None
    use_tls: bool

    @classmethod
    def parse(cls, url: Secret | str) -> "SmtpServer":
        text = url.reveal() if isinstance(url, Secret) else str(url)
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError:
            raise SettingsError("SMTP_URL: expected smtp://user:pass@host:port") from None
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise SettingsError("SMTP_URL: expected smtp://user:pass@host:port (or smtps://)")
        use_tls = parts.scheme == "smtps"
        username = unquote(parts.username) if parts.username else None
        password = Secret(unquote(parts.password)) if parts.password else None
        return cls(parts.hostname, port or (465 if use_tls else 25), username, password, use_tls)

    def __repr__(self) -> str:
        return f"SmtpServer({self.hostname}:{self.port}, user={self.username!r}, tls={self.use_tls})"

    def scrub(self, text: str) -> str:
        """`text` without the password (an error message must never carry it)."""
        if self.password:
            secret = self.password.reveal()
            for form in {secret, unquote(secret)}:
                if form:
                    text = text.replace(form, "**********")
        return text


def _permanent(error: BaseException) -> bool:
    """A refusal of this mail itself (5xx for its recipient or its content): retrying
    cannot help. Anything else (connection, 4xx, authentication) is retried."""
    import aiosmtplib

    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(500 <= r.code < 600 for r in error.recipients)
    if isinstance(error, (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError)):
        return 500 <= error.code < 600
    return False


# --- the worker --------------------------------------------------------------------------


class MailWorker:
    """Delivers the queued mails that are due; one per process (several processes share the
    queue safely). `deliver_due` does one pass; `run` loops."""

    def __init__(self, settings: Settings, outbox_dir: Path | None = None) -> None:
        self.settings = settings
        self.mail_from = settings.mail_from
        if "@" not in parseaddr(self.mail_from)[1]:
            raise SettingsError(
                f"MAIL_FROM: expected an address such as 'Name <no-reply@example.org>', got {self.mail_from!r}"
            )
        self.smtp = SmtpServer.parse(settings.smtp_url) if settings.smtp_url else None
        self.outbox_dir = Path(outbox_dir) if outbox_dir is not None else settings.var_dir / "outbox"
        self._stopping = False  # set when `run` is cancelled: claim nothing more

    def __repr__(self) -> str:
        target = repr(self.smtp) if self.smtp else f"outbox {self.outbox_dir}"
        return f"MailWorker({target})"

    # --- one pass

    async def deliver_due(self, now: datetime | None = None) -> int:
        """Claim and send every mail due at `now` (default: the clock). Returns how many were
        sent. A failed mail is rescheduled; nothing is raised for it."""
        now = now or utcnow()
        sent = 0
        semaphore = asyncio.Semaphore(CONCURRENCY)

        async def one(row: dict) -> bool:
            async with semaphore:
                if self._stopping or not await self._claim(row, now):
                    return False
                return await self._deliver(row, now)

        while not self._stopping:
            rows = (
                await OutgoingMail.select()
                .where(
                    OutgoingMail.next_attempt_at.is_not_null()
                    & (OutgoingMail.next_attempt_at <= now)
                    & OutgoingMail.sent_at.is_null()
                )
                .order_by(OutgoingMail.next_attempt_at)
                .order_by(OutgoingMail.id)
                .limit(BATCH)
            )
            if not rows:
                return sent
            # Every send of the batch ends before a database failure of one is raised.
            results = await asyncio.gather(*(one(row) for row in rows), return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException):
                    raise result
            sent += sum(results)
            if len(rows) < BATCH:
                return sent
        return sent

    async def _claim(self, row: dict, now: datetime) -> bool:
        """Compare-and-set: this worker alone moves the row's next attempt to the end of its
        lease; any other worker that read the same row finds it changed and skips it. (The lease
        runs from the clock, not from `now`, as a long pass may claim minutes after it began.)"""
        claimed = (
            await OutgoingMail.update({OutgoingMail.next_attempt_at: _later(now) + LEASE})
            .where(
                (OutgoingMail.id == row["id"])
                & (OutgoingMail.next_attempt_at == row["next_attempt_at"])
                & OutgoingMail.sent_at.is_null()
            )
            .returning(OutgoingMail.id)
        )
        return bool(claimed)

    async def _deliver(self, row: dict, now: datetime) -> bool:
        attempts = row["attempts"] + 1
        try:
            message = build_message(row, self.mail_from)
            async with asyncio.timeout(SEND_TIMEOUT):
                if self.smtp:
                    await self._send_smtp(message, row)
                else:
                    await self._write_outbox(message, row)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            await self._failed(row, attempts, error, now)
            return False
        await OutgoingMail.update(
            {OutgoingMail.sent_at: utcnow(), OutgoingMail.next_attempt_at: None, OutgoingMail.attempts: attempts}
        ).where(OutgoingMail.id == row["id"])
        return True

    async def _failed(self, row: dict, attempts: int, error: Exception, now: datetime) -> None:
        detail = f"{type(error).__name__}: {error}"
        if self.smtp:
            detail = self.smtp.scrub(detail)
        detail = detail[:MAX_ERROR_LENGTH]
        created = row["created_at"]
        permanent = _permanent(error)
        if permanent or now - created >= GIVE_UP_AFTER:
            why = "refused" if permanent else f"gave up after {attempts} attempts"
            last_error = f"failed ({why}): {detail}"
            next_attempt = None
            log.error(
                "mail %s (%s) to %s not sent, %s: %s", row["id"], row["kind"] or "-", row["recipient"], why, detail
            )
        else:
            last_error = detail
            next_attempt = _later(now) + BACKOFF[min(attempts, len(BACKOFF)) - 1]
            log.warning(
                "mail %s (%s) to %s not sent (attempt %d), retry at %s: %s",
                row["id"], row["kind"] or "-", row["recipient"], attempts, next_attempt.isoformat(), detail,
            )
        await OutgoingMail.update(
            {
                OutgoingMail.attempts: attempts,
                OutgoingMail.last_error: last_error,
                OutgoingMail.next_attempt_at: next_attempt,
            }
        ).where((OutgoingMail.id == row["id"]) & OutgoingMail.sent_at.is_null())

    async def _send_smtp(self, message: EmailMessage, row: dict) -> None:
        import aiosmtplib

        smtp = self.smtp
        await aiosmtplib.send(
            message,
            sender=parseaddr(self.mail_from)[1],
            recipients=[row["recipient"]],
            hostname=smtp.hostname,
            port=smtp.port,
            username=smtp.username,
            password=smtp.password.reveal() if smtp.password else None,
            use_tls=smtp.use_tls,
            start_tls=False if smtp.use_tls else None,  # None: STARTTLS when the server offers it
            timeout=SMTP_TIMEOUT,
        )

    async def _write_outbox(self, message: EmailMessage, row: dict) -> None:
        stamp = utcnow().strftime("%Y%m%dT%H%M%S.%fZ")
        path = self.outbox_dir / f"{stamp}-{row['id']}.eml"
        data = message.as_bytes(policy=email.policy.SMTP)
        await asyncio.to_thread(_write_atomically, path, data)
        log.info("mail to %s: %s\n%s\n(written to %s)", row["recipient"], row["subject"], row["body_text"], path)

    # --- the loop

    async def run(self, poll_seconds: float) -> None:
        """Deliver due mails every `poll_seconds`, and at once after an `enqueue` in this
        process. Runs until cancelled; a failing pass is logged and the next one retries."""
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()
        _listeners[wake] = loop
        eager_until = 0.0
        try:
            while True:
                await self._pass()
                wait = poll_seconds if loop.time() >= eager_until else min(poll_seconds, EAGER_POLL)
                try:
                    async with asyncio.timeout(wait):
                        await wake.wait()
                except TimeoutError:
                    pass
                if wake.is_set():
                    wake.clear()
                    eager_until = loop.time() + EAGER_SECONDS
        finally:
            _listeners.pop(wake, None)

    async def _pass(self) -> None:
        """One `deliver_due`. Cancelled (the app stops) during it, it claims nothing more but
        lets the sends under way finish and be recorded, for up to `STOP_GRACE` seconds, so
        that no mail is left sent but not marked so (it would be sent again)."""
        task = asyncio.ensure_future(self.deliver_due())
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            self._stopping = True
            done, _pending = await asyncio.wait({task}, timeout=STOP_GRACE)
            if not done:
                task.cancel()
            with contextlib.suppress(BaseException):
                await task
            raise
        except Exception:
            log.exception("mail worker: delivery pass failed")


def _later(now: datetime) -> datetime:
    """`now`, or the clock if it has passed `now` during a long pass."""
    return max(now, utcnow())


def _write_atomically(path: Path, data: bytes) -> None:
    """Write then rename, so that nobody reading the outbox sees half a mail."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)
