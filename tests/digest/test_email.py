"""E-mail delivery to a real SMTP server on 127.0.0.1 (aiosmtpd), attachments checked."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import smtplib
import socket
import ssl
import subprocess
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from digest import email as digest_email
from digest.bundle import Bundle, build_bundle, content_id
from digest.email import EmailDestination, SmtpServer, build_message
from digest.model import Period
from flows.loader import BUILTIN_DIR, load_consultation
from storage.sqlite import SqliteStore
from tests.digest.residents import TRICKY, answered

START = dt.datetime(2026, 11, 16, 7, 0, tzinfo=dt.UTC)
PERIOD = Period(START, START + dt.timedelta(days=7))
RECIPIENTS = ["politique.ville@example.org", "elu@example.org"]
SENDER = "parole@example.org"


class Recorder:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def only(self) -> tuple[Envelope, EmailMessage]:
        assert len(self.envelopes) == 1
        envelope = self.envelopes[0]
        assert isinstance(envelope.content, bytes)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return envelope, parsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """A real bundle (built once: drawing charts takes a moment) of twelve residents."""
    consultation = load_consultation(
        BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne", "Pont-Rompu"]
    )

    async def build() -> Bundle:
        store = SqliteStore(tmp_path_factory.mktemp("email") / "parole.sqlite3")
        await store.open()
        try:
            await answered(store, consultation, 12, START + dt.timedelta(hours=1))
            return await build_bundle(
                store, [consultation], PERIOD, heading="Synthèse programmée « hebdo »."
            )
        finally:
            await store.close()

    return asyncio.run(build())


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def plain_server(recorder: Recorder) -> Iterator[Controller]:
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def server(controller: Controller, **changes: Any) -> SmtpServer:
    options: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": controller.port,
        "security": "none",
        "sender": SENDER,
        "recipients": RECIPIENTS,
        **changes,
    }
    return SmtpServer(**options)


async def test_the_digest_arrives_with_text_html_inline_charts_and_exports(
    bundle: Bundle, plain_server: Controller, recorder: Recorder
):
    assert bundle.charts, "the sample data has charts"
    await EmailDestination(server(plain_server)).deliver(bundle)
    envelope, message = recorder.only()
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == RECIPIENTS
    assert message["Subject"] == bundle.subject and message["To"] == ", ".join(RECIPIENTS)
    assert message.get_content_type() == "multipart/mixed"

    alternative = next(p for p in message.walk() if p.get_content_type() == "multipart/alternative")
    kinds = [part.get_content_type() for part in alternative.iter_parts()]
    assert kinds == ["text/plain", "multipart/related"]
    text = message.get_body(("plain",))
    assert text is not None and "Synthèse programmée « hebdo »." in text.get_content()
    page = message.get_body(("html",))
    assert page is not None
    html = page.get_content()
    assert "Synthèse programmée « hebdo »." in html
    assert "<b>jardin</b>" not in html, "resident text is escaped"

    images = {
        part["Content-ID"].strip("<>"): part.get_content()
        for part in message.walk()
        if part.get_content_type() == "image/png"
    }
    for chart in bundle.charts:
        cid = content_id(chart)
        assert images[cid] == chart.png and chart.png.startswith(b"\x89PNG")
        assert f'src="cid:{cid}"' in html, f"{chart.name} is shown inline"

    attached = {
        part.get_filename(): part.get_content()
        for part in message.iter_attachments()
        if part.get_content_disposition() == "attachment"
    }
    csv_name = next(name for name in attached if name and name.endswith(".csv"))
    xlsx_name = next(name for name in attached if name and name.endswith(".xlsx"))
    content = attached[csv_name]
    rows = list(csv.reader(io.StringIO(content if isinstance(content, str) else content.decode())))
    assert len(rows) >= 13  # the header and the twelve residents (a delimiter-agnostic check)
    assert TRICKY.split()[0] not in {cell for row in rows for cell in row}
    workbook = openpyxl.load_workbook(io.BytesIO(attached[xlsx_name]), read_only=True)
    assert workbook.sheetnames
    workbook.close()


def test_an_export_too_big_for_an_e_mail_is_named_in_it_instead(
    bundle: Bundle, monkeypatch: pytest.MonkeyPatch
):
    # 100,000 residents: a 56 MB CSV would have every delivery refused by the mail server
    # (and retried forever), while the 10 MB XLSX fits. Here, room for the smaller one only.
    smaller, larger = sorted(bundle.exports, key=lambda export: len(export.content))
    monkeypatch.setattr(digest_email, "ATTACHMENTS_LIMIT", len(smaller.content) + 1)
    message = build_message(bundle, SmtpServer("smtp.example.org", RECIPIENTS, sender=SENDER))
    names = [part.get_filename() for part in message.iter_attachments()]
    assert smaller.filename in names and larger.filename not in names
    said = f"{larger.filename}\u202f: trop lourd pour un e-mail (0 Mo)."
    text = message.get_body(("plain",))
    page = message.get_body(("html",))
    assert text is not None and page is not None
    assert said in text.get_content() and said in page.get_content()


# aiosmtpd warns on every connection of a server asking for a login without TLS.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_login_when_a_username_is_set(bundle: Bundle, recorder: Recorder):
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")

    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,  # a test server on the loopback: no certificate at hand
    )
    controller.start()
    try:
        smtp = server(controller, username="ville", password="s3cret")
        await EmailDestination(smtp).deliver(bundle)
        assert logins == [(b"ville", b"s3cret")]
        assert len(recorder.envelopes) == 1
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl needed, else the test is skipped)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"openssl could not make a test certificate: {error}")
    return cert, key


def contexts(certificate: tuple[Path, Path]) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """The server's context and a client context trusting that certificate only."""
    cert, key = certificate
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return served, client


async def test_starttls(bundle: Bundle, recorder: Recorder, certificate: tuple[Path, Path]):
    served, client = contexts(certificate)
    controller = Controller(
        recorder, hostname="127.0.0.1", port=free_port(), tls_context=served, require_starttls=True
    )
    controller.start()
    try:
        smtp = server(controller, security="starttls", ssl_context=client)
        await EmailDestination(smtp).deliver(bundle)
        assert len(recorder.envelopes) == 1
        # Without STARTTLS the server refuses: a plain session fails rather than leaks.
        with pytest.raises(smtplib.SMTPException):
            await EmailDestination(server(controller)).deliver(bundle)
    finally:
        controller.stop()


async def test_implicit_tls(bundle: Bundle, recorder: Recorder, certificate: tuple[Path, Path]):
    served, client = contexts(certificate)
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port(), ssl_context=served)
    controller.start()
    try:
        await EmailDestination(server(controller, security="tls", ssl_context=client)).deliver(
            bundle
        )
        assert len(recorder.envelopes) == 1
    finally:
        controller.stop()


async def test_a_refused_message_raises_so_it_is_retried(bundle: Bundle):
    class Refuser(Recorder):
        async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
            return "554 Transaction failed"

    controller = Controller(Refuser(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with pytest.raises(smtplib.SMTPDataError):
            await EmailDestination(server(controller)).deliver(bundle)
    finally:
        controller.stop()


async def test_an_unreachable_server_raises(bundle: Bundle):
    with pytest.raises(OSError):
        await EmailDestination(
            SmtpServer(host="127.0.0.1", port=free_port(), security="none", recipients=RECIPIENTS)
        ).deliver(bundle)


def test_the_message_without_a_sender_uses_the_login(bundle: Bundle):
    smtp = SmtpServer(host="smtp.example.org", recipients=["a@example.org"], username="ville@x.fr")
    assert build_message(bundle, smtp)["From"] == "ville@x.fr"
    bare = SmtpServer(host="smtp.example.org", recipients=["a@example.org"])
    assert build_message(bundle, bare)["From"] == "parole-habitante@smtp.example.org"


def test_no_recipient_is_a_configuration_error():
    with pytest.raises(ValueError):
        EmailDestination(SmtpServer(host="smtp.example.org", recipients=[]))


async def test_sending_does_not_block_the_event_loop(
    bundle: Bundle, plain_server: Controller, recorder: Recorder
):
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    await EmailDestination(server(plain_server)).deliver(bundle)
    task.cancel()
    assert ticks > 1 and len(recorder.envelopes) == 1
