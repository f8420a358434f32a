"""One digest delivery, assembled: texts, charts and exports for every consultation.

Built once per period and handed to every destination (staff chats, e-mail, a folder), so
they all carry the same content. Everything is in memory (the exports of even 100,000
residents are tens of megabytes), so there is no temporary file to clean up when a delivery
is retried later.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from digest import notes
from digest.aggregate import build_digest
from digest.charts import Chart, charts
from digest.exports import export_csv, export_xlsx
from digest.model import Digest, Period
from digest.render import render_email_html, render_plain, render_telegram
from digest.texts import DEFAULT_TIMEZONE
from flows.model import Consultation
from storage.base import ReportStore, Store

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


Format = Literal["csv", "xlsx"]
MIME_TYPES: dict[str, str] = {"csv": CSV, "xlsx": XLSX}


@dataclass(frozen=True)
class Attachment:
    """An export of one consultation's answers."""

    filename: str
    title: str
    content: bytes
    fmt: Format
    consultation_id: str

    @property
    def mime_type(self) -> str:
        """The export's media type."""
        return MIME_TYPES[self.fmt]

    def too_big(self, where: str = notes.TELEGRAM) -> str:
        """What staff read instead of this export when it is too big for `where`."""
        size = len(self.content)
        return notes.export_too_big(self.filename, self.fmt, self.consultation_id, size, where)


@dataclass(frozen=True)
class Bundle:
    """Everything one digest delivery carries."""

    period: Period
    heading: str  # plain text: what the digest is and which period it covers (and why)
    subject: str  # e-mail subject
    telegram: tuple[str, ...]  # HTML messages, each under Telegram's limit
    html: str  # the e-mail page
    plain: str  # the text version
    charts: tuple[Chart, ...]  # the HTML shows each as `cid:<content_id(chart)>`
    exports: tuple[Attachment, ...]

    def write(self, directory: Path) -> list[Path]:
        """Save digest.txt, digest.html, the charts and the exports in `directory`.

        The page shows the chart files beside it instead of the e-mail's `cid:` images.
        """
        directory.mkdir(parents=True, exist_ok=True)
        page = self.html
        for chart in self.charts:
            page = page.replace(f'src="cid:{content_id(chart)}"', f'src="{chart.filename}"')
        written = [directory / "digest.txt", directory / "digest.html"]
        written[0].write_text(f"{self.heading}\n\n{self.plain}", encoding="utf-8")
        written[1].write_text(page, encoding="utf-8")
        for chart in self.charts:
            written.append(directory / chart.filename)
            written[-1].write_bytes(chart.png)
        for export in self.exports:
            written.append(directory / export.filename)
            written[-1].write_bytes(export.content)
        return written


def content_id(chart: Chart) -> str:
    """The Content-ID of a chart in the e-mail, without angle brackets (RFC 2392 form)."""
    return f"{chart.name}@parole-habitante"


class Source(ReportStore, Store, Protocol):
    """The storage a bundle reads: report queries for the digests, sessions for the exports."""


async def build_bundle(
    store: Source,
    consultations: Sequence[Consultation],
    period: Period,
    *,
    heading: str,
    timezone: str = DEFAULT_TIMEZONE,
    min_group_size: int = 5,
    recent_texts: int = 10,
    abandon_after_hours: int = 48,
    now: dt.datetime | None = None,
) -> Bundle:
    """Aggregate, render, draw and export every consultation for `period`.

    Periods are read in `timezone` (days of the charts, dates in the texts, the exports' times).
    The exports hold every answer until `now` (the time they are made, by default the
    clock's), not the period's only: they are named and captioned after it.
    """
    digests: list[Digest] = [
        await build_digest(
            store,
            consultation,
            period,
            min_group_size=min_group_size,
            recent_texts=recent_texts,
            abandon_after=dt.timedelta(hours=abandon_after_hours),
            timezone=timezone,
        )
        for consultation in consultations
    ]
    # Drawing is CPU work (matplotlib, on Figure objects: no global pyplot state): off the
    # event loop, so the bot keeps answering residents meanwhile.
    drawn = await asyncio.to_thread(_draw, digests)
    exports: list[Attachment] = []
    made = dt.datetime.now(dt.UTC) if now is None else now
    for consultation in consultations:
        exports += await _exports(store, consultation, made, timezone)
    return Bundle(
        period=period,
        heading=heading,
        subject=notes.subject(period, timezone),
        telegram=tuple(render_telegram(digests)),
        html=_with_heading(
            render_email_html(digests, {chart.name: content_id(chart) for chart in drawn}),
            heading,
        ),
        plain=render_plain(digests),
        charts=tuple(drawn),
        exports=tuple(exports),
    )


def _draw(digests: Sequence[Digest]) -> list[Chart]:
    """Every chart of every digest (their names are unique across digests)."""
    return [chart for digest in digests for chart in charts(digest)]


def _with_heading(page: str, heading: str) -> str:
    """The page with the delivery's heading first in its body."""
    return with_paragraphs(page, [heading], bold=True)


def with_paragraphs(page: str, lines: Sequence[str], *, bold: bool = False) -> str:
    """The page with `lines` (plain text, escaped here) as paragraphs first in its body."""
    weight = ";font-weight:bold" if bold else ""
    paragraphs = "".join(
        f'<p style="max-width:640px;margin:0 auto 12px{weight}">{html.escape(line)}</p>\n'
        for line in lines
    )
    body = re.search(r"<body[^>]*>\n?", page, re.IGNORECASE)
    if body is None:
        return paragraphs + page
    return page[: body.end()] + paragraphs + page[body.end() :]


async def export_attachment(
    store: Store,
    consultation: Consultation,
    fmt: Format,
    made: dt.datetime,
    *,
    timezone: str = DEFAULT_TIMEZONE,
) -> Attachment:
    """One consultation's answers exported as `fmt` at `made`, read back into memory (times
    in `timezone`)."""
    name = notes.export_name(consultation.id, fmt, made, timezone)
    with tempfile.TemporaryDirectory(prefix="parole-export-") as folder:
        path = Path(folder) / name
        if fmt == "csv":
            await export_csv(store, consultation, path, timezone=timezone)
        else:
            await export_xlsx(store, consultation, path, timezone=timezone)
        content = path.read_bytes()
    title = notes.export_title(consultation.title.get("fr"), fmt, made, timezone)
    return Attachment(name, title, content, fmt, consultation.id)


async def _exports(
    store: Store, consultation: Consultation, made: dt.datetime, timezone: str
) -> list[Attachment]:
    """The CSV and XLSX exports of one consultation."""
    return [
        await export_attachment(store, consultation, fmt, made, timezone=timezone)
        for fmt in ("csv", "xlsx")
    ]
