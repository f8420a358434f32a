"""CSV and XLSX exports of a consultation's answers: one row per session, one column per step;
and the line of a JSON lines export (`json_line`).

Rows are streamed from `Store.export` and written as they come, so 100,000 sessions need no
more memory than a few: the CSV is written line by line, the XLSX with xlsxwriter's
`constant_memory` mode (each row is flushed to a temporary file once the next one starts).

Nothing identifies a resident: the participant column is the pseudonymous integer id from
storage (storage holds no Telegram id). In the CSV, every text cell that a spreadsheet could
read as a formula is neutralised with a leading apostrophe (see `neutralise`). The XLSX
keeps residents' words as they wrote them: its cells are typed strings, never evaluated, and
those that look like a formula are marked "quote prefix", so editing one keeps it a text.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import xlsxwriter  # type: ignore[import-untyped]

from digest import texts
from digest.aggregate import CHANNEL_LABELS, left_out
from flows.model import (
    OTHER_CODE,
    OTHER_TEXT_SUFFIX,
    ChoiceStepBase,
    Consultation,
    ScaleStep,
    Step,
    TextStep,
    YesNoStep,
)
from storage.base import NO_FOLLOW_UP_CHANNELS, ExportedSession, Store

LEADING = tuple(texts.LEADING_COLUMNS)  # parcours, participant, canal, statut, début, fin
CHOICE_SEPARATOR = "; "
CSV_DELIMITER = ";"  # what Excel expects in a French locale; "," would give one column
XLSX_MAX_ROWS = 1_048_576  # a sheet's limit, header included
YIELD_EVERY = 1_000  # rows between two chances for the event loop to run other tasks
# Spreadsheets read a cell starting with these as a formula (OWASP "CSV injection"); the
# full-width forms are folded to them by some applications.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What `json_line` may have to escape: past ASCII, all but Latin-1's letters and signs (most
# of a French text), which need no look-up.
_JSON_SUSPECTS = re.compile("[\x7f-\x9f\xad\u0100-\U0010ffff]")
# Left raw by `json.dumps(..., ensure_ascii=False)`, which escapes only U+0000-U+001F: DEL and
# the C1 controls (a terminal obeys them), format characters (U+202E reverses a line), and
# the line and paragraph separators (`str.splitlines` splits a JSON line at them).
_JSON_ESCAPED = ("Cc", "Cf", "Zl", "Zp")

Rows = AsyncIterable[ExportedSession] | Iterable[ExportedSession]


@dataclass(frozen=True)
class Column:
    """One exported column after the leading ones: a step's answer or its "Autre" text."""

    header: str
    step: Step
    other: bool = False


def columns(consultation: Consultation) -> list[Column]:
    """The step columns, in the consultation's order, each choice step with "Autre" followed
    by its `<step>_autre` column (the paper template's name for it too)."""
    found: list[Column] = []
    for step in consultation.questions():
        header = scale_header(step) if isinstance(step, ScaleStep) else step.id
        found.append(Column(header, step))
        if isinstance(step, ChoiceStepBase) and step.other:
            found.append(Column(f"{step.id}{OTHER_TEXT_SUFFIX}", step, other=True))
    return found


def scale_header(step: ScaleStep) -> str:
    """A scale's column: its id and what its numbers mean, which the cells (plain numbers, to
    sort and average) do not say: "note (1 = pas du tout … 5 = tout à fait)"."""
    if step.min_label is None or step.max_label is None:
        return texts.SCALE_COLUMN_BARE.format(step=step.id, first=step.min, last=step.max)
    return texts.SCALE_COLUMN.format(
        step=step.id,
        first=step.min,
        first_end=step.min_label.fr,
        last=step.max,
        last_end=step.max_label.fr,
    )


def scale_range(step: ScaleStep) -> str:
    """A scale's possible answers for the questions sheet: "1 (pas du tout) à 5 (beaucoup)"."""
    if step.min_label is None or step.max_label is None:
        return texts.SCALE_RANGE_BARE.format(first=step.min, last=step.max)
    return texts.SCALE_RANGE.format(
        first=step.min, first_end=step.min_label.fr, last=step.max, last_end=step.max_label.fr
    )


def headers(consultation: Consultation) -> list[str]:
    """The header row: the leading columns, then one per step (and "Autre" texts)."""
    return [*LEADING, *(column.header for column in columns(consultation))]


def formula_like(value: str) -> bool:
    """Whether a spreadsheet reading `value` as typed input would evaluate it as a formula.

    Leading spaces are looked through: some applications trim them before deciding.
    """
    return value.startswith(FORMULA_STARTS) or value.lstrip().startswith(FORMULA_STARTS)


def neutralise(value: str) -> str:
    """`value` with a leading apostrophe if a spreadsheet would evaluate it as a formula
    (CSV: every cell is read as typed input), and its control characters but line breaks and
    tabs made spaces: `parole export` prints the CSV, and a terminal obeys an escape sequence
    typed in an answer (clear the screen, set the window's title or the clipboard)."""
    value = _CONTROLS.sub(" ", value)
    return "'" + value if formula_like(value) else value


def json_line(record: object) -> str:
    """`record` as one line of JSON, readable words as they are, and the characters a terminal
    would obey or that reorder the line written as escapes ("\\u202e"): `parole export`
    prints it, and a JSON reader gets the same strings back."""
    return _JSON_SUSPECTS.sub(_json_escape, json.dumps(record, ensure_ascii=False))


def _json_escape(match: re.Match[str]) -> str:
    """A character as JSON writes it escaped (a surrogate pair past U+FFFF), if it must be.

    Outside strings a JSON text holds only ASCII, so every character matched is a string's.
    """
    char = match.group()
    return json.dumps(char)[1:-1] if unicodedata.category(char) in _JSON_ESCAPED else char


def _as_is(value: str) -> str:
    """A text kept as it is (XLSX: a typed string cell is never evaluated)."""
    return value


def local_iso(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    """A moment in `zone`, ISO 8601 with its offset ("" for none)."""
    if moment is None:
        return ""
    return moment.astimezone(zone).isoformat(timespec="seconds")


class _Cells:
    """Turns answers into cell values (texts passed through `guard`), each step's labels
    looked up once."""

    def __init__(
        self, consultation: Consultation, guard: Callable[[str], str] = neutralise
    ) -> None:
        self.guard = guard
        self.columns = columns(consultation)
        self.not_asked = left_out(consultation)
        self.labels: dict[str, dict[str, str]] = {}
        for step in consultation.questions():
            if isinstance(step, ChoiceStepBase):
                labels = {option.code: option.label.fr for option in step.options}
                labels[OTHER_CODE] = texts.OTHER_LABEL
                self.labels[step.id] = labels
            elif isinstance(step, YesNoStep):
                self.labels[step.id] = dict(texts.YES_NO)
        # Picks repeat a lot (a few hundred combinations for 100,000 sessions): each is
        # labelled, joined and neutralised once.
        self.cache: dict[tuple[str, tuple[str, ...]], str | int | None] = {}

    def answers(self, session: ExportedSession) -> list[str | int | None]:
        """One value per step column: text, an int for scales, None when not reached, "(non
        posée)" for a step the session's channel never asks."""
        answers = session.answers
        asks_all = session.channel not in NO_FOLLOW_UP_CHANNELS
        values: list[str | int | None] = []
        for column in self.columns:
            answer = answers.get(column.step.id)
            if answer is None:
                skipped_over = not asks_all and column.step.id in self.not_asked
                values.append(texts.NOT_ASKED if skipped_over and not column.other else None)
            elif column.other:
                picked = OTHER_CODE in answer.choices and not answer.skipped
                values.append(self.guard(answer.text) if picked and answer.text else None)
            elif answer.skipped:
                values.append(texts.SKIPPED)
            elif answer.text is not None and isinstance(column.step, TextStep):
                values.append(self.guard(answer.text))
            else:
                key = (column.step.id, tuple(answer.choices))
                if key not in self.cache:
                    self.cache[key] = self.value(column.step, answer.choices)
                values.append(self.cache[key])
        return values

    def value(self, step: Step, choices: list[str]) -> str | int | None:
        """Picked codes as staff read them: labels, "Oui"/"Non", a number for scales."""
        if isinstance(step, ScaleStep) and choices:
            try:
                return int(choices[0])
            except ValueError:
                return self.guard(choices[0])
        labels = self.labels.get(step.id, {})
        # A code no longer in the consultation (an option removed later) is shown as is.
        return self.guard(CHOICE_SEPARATOR.join(labels.get(code, code) for code in choices)) or None


def _leading(session: ExportedSession) -> tuple[int, int, str, str]:
    return (
        session.session_id,
        session.participant_id,
        CHANNEL_LABELS.get(session.channel, session.channel),
        texts.STATUSES.get(session.status, session.status),
    )


async def _sessions(rows: Rows, consultation: Consultation) -> AsyncIterator[ExportedSession]:
    """The sessions of `consultation` in `rows`, giving the event loop a turn now and then."""
    count = 0
    if isinstance(rows, AsyncIterable):
        async for session in rows:
            if session.consultation_id == consultation.id:
                yield session
    else:
        for session in rows:
            if session.consultation_id == consultation.id:
                yield session
            count += 1
            if count % YIELD_EVERY == 0:
                await asyncio.sleep(0)


@contextmanager
def _replaced(path: Path, suffix: str) -> Iterator[Path]:
    """A temporary file next to `path` that replaces it only once fully written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        os.replace(partial, path)  # a reader never sees a half-written export
    finally:
        partial.unlink(missing_ok=True)


# -- CSV ------------------------------------------------------------------------------------


class _CsvWriter:
    """Writes the header, then one line per session, to a text stream."""

    def __init__(
        self,
        out: IO[str],
        consultation: Consultation,
        *,
        bom: bool,
        delimiter: str,
        zone: ZoneInfo,
    ):
        self.out = out
        self.consultation = consultation
        self.writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        self.cells = _Cells(consultation)
        self.bom = bom
        self.zone = zone

    def header(self) -> None:
        """The byte order mark (if wanted) and the header line."""
        if self.bom:
            self.out.write("\ufeff")
        self.writer.writerow([neutralise(header) for header in headers(self.consultation)])

    def session(self, session: ExportedSession) -> None:
        """One session's line."""
        session_id, participant, channel, status = _leading(session)
        line: list[str | int | None] = [
            session_id,
            participant,
            neutralise(channel),
            neutralise(status),
            local_iso(session.created_at, self.zone),
            local_iso(session.completed_at, self.zone),
        ]
        line += self.cells.answers(session)
        self.writer.writerow(line)


async def write_csv(
    rows: Rows,
    consultation: Consultation,
    out: IO[str] | Path | str,
    *,
    bom: bool = True,
    delimiter: str = CSV_DELIMITER,
    timezone: str = texts.DEFAULT_TIMEZONE,
) -> int:
    """Write the sessions of `consultation` in `rows` as CSV; return how many were written.

    A file (at a path) or a text stream gets a byte order mark first, unless `bom` is false:
    without it Excel reads UTF-8 accents wrongly. A file appears only once complete. Times
    are in `timezone`, with their offset.
    """
    zone = ZoneInfo(timezone)  # an unknown zone fails before any file is made
    if isinstance(out, str | Path):
        with (
            _replaced(Path(out), ".csv") as partial,
            partial.open("w", encoding="utf-8", newline="") as stream,
        ):
            return await write_csv(
                rows, consultation, stream, bom=bom, delimiter=delimiter, timezone=timezone
            )
    writer = _CsvWriter(out, consultation, bom=bom, delimiter=delimiter, zone=zone)
    writer.header()
    written = 0
    async for session in _sessions(rows, consultation):
        writer.session(session)
        written += 1
    return written


async def export_csv(
    store: Store, consultation: Consultation, out: IO[str] | Path | str, **options: Any
) -> int:
    """Stream every session of `consultation` from `store` into a CSV file or stream."""
    return await write_csv(store.export(consultation.id), consultation, out, **options)


# -- XLSX -----------------------------------------------------------------------------------


async def write_xlsx(
    rows: Rows,
    consultation: Consultation,
    path: Path | str,
    *,
    timezone: str = texts.DEFAULT_TIMEZONE,
) -> int:
    """Write the sessions of `consultation` in `rows` as an XLSX workbook; return how many.

    Sheet "réponses": a frozen header row of step ids, one row per session; sheet
    "questions": what each column holds. Every text is written with `write_string` (never
    `write`, which turns "=..." into a formula), as it is: a string cell is never evaluated,
    and one that looks like a formula is marked "quote prefix" (no apostrophe shown, and it
    stays a text when edited). Times are the wall-clock time of `timezone` (spreadsheets have
    no zones): the questions sheet says which.
    """
    zone = ZoneInfo(timezone)
    target = Path(path)
    with _replaced(target, ".xlsx") as partial:
        workbook = xlsxwriter.Workbook(
            str(partial),
            {
                "constant_memory": True,
                # Belt and braces: write_string never converts, but nothing else should either.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "tmpdir": str(target.parent),
            },
        )
        try:
            written = await _fill_workbook(workbook, rows, consultation, zone)
        finally:
            # Zipping 100,000 rows takes seconds: off the event loop.
            await asyncio.to_thread(workbook.close)
    return written


async def _fill_workbook(
    workbook: Any, rows: Rows, consultation: Consultation, zone: ZoneInfo
) -> int:
    bold = workbook.add_format({"bold": True, "bg_color": "#DDE5F0", "border": 1})
    # As a French spreadsheet shows a date and time: "20/11/2026 11:00".
    when = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    # Excel's own mark for a text typed with a leading "'": shown without it, kept a text.
    quoted = workbook.add_format({"quote_prefix": True})
    sheet = workbook.add_worksheet(texts.SHEET_ANSWERS)
    step_columns = columns(consultation)
    _describe(
        workbook.add_worksheet(texts.SHEET_QUESTIONS),
        bold,
        step_columns,
        left_out(consultation),
        zone.key,
    )
    sheet.freeze_panes(1, 1)
    sheet.set_column(0, 1, 11)
    sheet.set_column(2, 2, 21)  # "Questionnaire papier"
    sheet.set_column(3, 3, 10)
    sheet.set_column(4, 5, 16)
    for index, column in enumerate(step_columns, start=len(LEADING)):
        wide = isinstance(column.step, TextStep) or column.other
        sheet.set_column(index, index, 40 if wide else 24)
    for index, header in enumerate(headers(consultation)):
        sheet.write_string(0, index, header, bold)
    cells = _Cells(consultation, _as_is)
    row = 0
    async for session in _sessions(rows, consultation):
        row += 1
        if row >= XLSX_MAX_ROWS:
            raise ValueError(f"more than {XLSX_MAX_ROWS - 1} sessions: use the CSV export")
        session_id, participant, channel, status = _leading(session)
        sheet.write_number(row, 0, session_id)
        sheet.write_number(row, 1, participant)
        sheet.write_string(row, 2, channel)
        sheet.write_string(row, 3, status)
        sheet.write_datetime(row, 4, _naive_local(session.created_at, zone), when)
        if session.completed_at is not None:
            sheet.write_datetime(row, 5, _naive_local(session.completed_at, zone), when)
        for index, value in enumerate(cells.answers(session), start=len(LEADING)):
            if isinstance(value, int):
                sheet.write_number(row, index, value)
            elif value:
                _write_text(sheet, row, index, value, quoted)
    sheet.autofilter(0, 0, max(row, 1), len(LEADING) + len(step_columns) - 1)
    return row


def _describe(
    sheet: Any, bold: Any, step_columns: list[Column], not_asked: set[str], timezone: str
) -> None:
    """The "questions" sheet: what every column of the answers holds (`not_asked`: the steps
    some channels never ask)."""
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 60)
    sheet.set_column(2, 3, 14)
    sheet.set_column(4, 4, 80)
    for index, header in enumerate(texts.QUESTION_HEADERS):
        sheet.write_string(0, index, header, bold)
    leading = texts.leading_columns(timezone)
    lines: list[tuple[str, ...]] = [(name, text) for name, text in leading.items()]
    for column in step_columns:
        step = column.step
        if column.other:
            lines.append((column.header, texts.OTHER_COLUMN.format(step=step.id)))
            continue
        options = ""
        if isinstance(step, ChoiceStepBase):
            options = CHOICE_SEPARATOR.join(option.label.fr for option in step.options)
            if step.other:
                options += f"{CHOICE_SEPARATOR}{texts.OTHER_LABEL}"
        elif isinstance(step, ScaleStep):
            options = scale_range(step)
        elif isinstance(step, YesNoStep):
            options = CHOICE_SEPARATOR.join(texts.YES_NO.values())
        if step.id in not_asked:
            options += texts.NOT_ASKED_NOTE
        lines.append(
            (
                column.header,
                step.text.fr,
                texts.theme_title(step.theme) if step.theme else "",
                texts.KINDS.get(step.kind, step.kind),
                options,
            )
        )
    for row, line in enumerate(lines, start=1):
        for index, value in enumerate(line):
            sheet.write_string(row, index, value)


def _write_text(sheet: Any, row: int, column: int, value: str, quoted: Any) -> None:
    """A text cell as written: a string, marked "quote prefix" if it looks like a formula."""
    if formula_like(value):
        sheet.write_string(row, column, value, quoted)
    else:
        sheet.write_string(row, column, value)


def _naive_local(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    # Spreadsheets have no time zones: the city's wall-clock time, as staff read it.
    return moment.astimezone(zone).replace(tzinfo=None)


async def export_xlsx(
    store: Store,
    consultation: Consultation,
    path: Path | str,
    *,
    timezone: str = texts.DEFAULT_TIMEZONE,
) -> int:
    """Stream every session of `consultation` from `store` into an XLSX workbook at `path`."""
    return await write_xlsx(store.export(consultation.id), consultation, path, timezone=timezone)
