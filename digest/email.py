"""E-mail delivery of digests over SMTP (standard library, in a worker thread).

The message is multipart: the plain text and the HTML as alternatives, the HTML carrying the
charts inline (`cid:` images in a multipart/related part), and the exports attached. The
SMTP session is blocking `smtplib`, run with `asyncio.to_thread` so the bot keeps answering.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal

from digest import notes
from digest.bundle import Attachment, Bundle, content_id, with_paragraphs

log = logging.getLogger(__name__)

TIMEOUT = 60.0  # seconds for each SMTP exchange
# The exports attached to one e-mail, at most: base64 makes them a third larger, and common
# mail servers refuse a message past 20 to 25 MB (100,000 residents make a 56 MB CSV, which
# would have every delivery refused and retried forever). Past it, the body says how to get it.
ATTACHMENTS_LIMIT = 15 * 1024 * 1024


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send: the `[digest.email]` settings, secrets already revealed."""

    host: str
    recipients: Sequence[str]
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)  # tests: own CA

    @property
    def from_address(self) -> str:
        """The sender: as configured, else the login, else a no-reply on the server's host."""
        return self.sender or self.username or f"parole-habitante@{self.host}"


def build_message(bundle: Bundle, server: SmtpServer) -> EmailMessage:
    """The digest as one e-mail: text and HTML alternatives, inline charts, attached exports
    (those that fit `ATTACHMENTS_LIMIT`, smallest first; the others are named in the body)."""
    attached: list[Attachment] = []
    left_out: list[str] = []
    room = ATTACHMENTS_LIMIT
    for export in sorted(bundle.exports, key=lambda export: len(export.content)):
        if len(export.content) <= room:
            attached.append(export)
            room -= len(export.content)
        else:
            left_out.append(export.too_big(notes.EMAIL))
    message = EmailMessage()
    message["Subject"] = bundle.subject
    message["From"] = server.from_address
    message["To"] = ", ".join(server.recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=_domain(server.from_address))
    message.set_content("\n\n".join([bundle.heading, *left_out, bundle.plain]))

    message.add_alternative(with_paragraphs(bundle.html, left_out), subtype="html")
    html_part = list(message.iter_parts())[1]
    for chart in bundle.charts:
        html_part.add_related(
            chart.png,
            maintype="image",
            subtype="png",
            cid=f"<{content_id(chart)}>",
            filename=chart.filename,
            disposition="inline",
        )
    for export in sorted(attached, key=bundle.exports.index):
        maintype, subtype = export.mime_type.split("/", 1)
        message.add_attachment(
            export.content, maintype=maintype, subtype=subtype, filename=export.filename
        )
    return message


def send_message(message: EmailMessage, server: SmtpServer) -> list[str]:
    """Hand `message` to the SMTP server for every recipient (blocking); the refused ones.

    Raises when no recipient was accepted (smtplib's SMTPRecipientsRefused) or the session
    failed; a partial refusal is returned instead, as retrying would send the accepted
    recipients the digest twice.
    """
    context = server.ssl_context or ssl.create_default_context()
    smtp: smtplib.SMTP
    if server.security == "tls":
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
    with smtp:
        if server.security == "starttls":
            smtp.starttls(context=context)
        if server.username:
            smtp.login(server.username, server.password or "")
        refused = smtp.send_message(
            message, from_addr=server.from_address, to_addrs=list(server.recipients)
        )
    return sorted(refused)


class EmailDestination:
    """The e-mail list as a digest destination."""

    key = "email"

    def __init__(self, server: SmtpServer) -> None:
        if not server.recipients:
            raise ValueError("digest.email.recipients is empty")
        self.server = server

    async def deliver(self, bundle: Bundle) -> None:
        """Send the digest to every recipient; raise if the server refuses it."""
        message = build_message(bundle, self.server)
        refused = await asyncio.to_thread(send_message, message, self.server)
        if refused:
            log.warning("digest e-mail refused for %d of its recipients", len(refused))


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "parole-habitante"
