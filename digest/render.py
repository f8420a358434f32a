"""Digests as staff read them: Telegram HTML messages, an HTML e-mail, plain text.

A digest is first laid out once as a small document (sections of lines, quotes and tables),
then written by three writers, so the three outputs always carry the same figures. Counts of
residents are printed with `Cell.shown()` only: a suppressed cell prints "< 5", never its
value, and no figure derived from it (percentage, difference) is printed either. Resident
texts are cleaned (controls and bidi overrides removed, whitespace collapsed), shortened, and
escaped by the writer that prints them.
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from digest import texts
from digest.charts import ChartPlan, plan, ranked
from digest.model import Cell, ChoiceResult, Digest, FunnelStep, Row, TextResult, Totals
from flows.model import OTHER_CODE

MESSAGE_LIMIT = 4096  # Telegram's limit, in UTF-16 code units of the parsed text
QUOTE_LENGTH = 280  # characters of a resident text quoted in a digest
TITLE_IN_CONTINUATION = 60
DAYS_LISTED = 14  # longer periods name the busiest day only (the chart shows them all)


# -- The document ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bold:
    """A run of text in bold."""

    text: str


@dataclass(frozen=True)
class Italic:
    """A run of text in italics."""

    text: str


Inline = str | Bold | Italic
Line = tuple[Inline, ...]


@dataclass(frozen=True)
class Quotes:
    """Resident texts, cleaned and shortened but not escaped, after the line introducing them."""

    intro: Line
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A small two-way table (cross-tabulation), cells as already shown."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]


Block = Line | Quotes | Table


@dataclass(frozen=True)
class Section:
    """A titled group of blocks; `kicker` is the workshop theme a question opens."""

    title: str
    blocks: tuple[Block, ...]
    level: int = 2  # 1: the digest's own heading
    kicker: str | None = None
    chart: ChartPlan | None = None  # drawn after the section in the e-mail


@dataclass
class _Notes:
    """What the footnotes must explain."""

    favourite: bool = False
    suppressed: set[int] = field(default_factory=set)  # thresholds printed
    secondary: bool = False  # a cell hidden so that a small one cannot be worked out


def layout(digest: Digest) -> list[Section]:
    """The sections of a digest, in reading order."""
    notes = _Notes()
    plans = {(item.kind, item.step_id): item for item in plan(digest)}
    sections = [_header(digest), _participation(digest), *_flags(digest)]
    sections += _days(digest, plans.get(("days", None)))
    sections += _funnel(digest, notes, plans.get(("funnel", None)))
    for breakdown in digest.breakdowns:
        if breakdown.rows:
            lines = tuple(_row_line(None, row, None, notes) for row in ranked(breakdown.rows))
            sections.append(Section(breakdown.title, lines))
    if digest.crosstab is not None and digest.crosstab.row_labels:
        tab = digest.crosstab
        rows = tuple(
            (label, tuple(_shown(cell, notes) for cell in cells))
            for label, cells in zip(tab.row_labels, tab.cells, strict=True)
            # An empty row ("Sans réponse" with nobody) is noise on a phone.
            if any(cell.suppressed or cell.value > 0 for cell in cells)
        )
        if rows:
            sections.append(Section(tab.title, (Table(tuple(tab.column_labels), rows),)))
    sections += _questions(digest, notes, plans)
    footnotes: list[Line] = []
    if notes.favourite:
        footnotes.append((Italic(texts.FAVOURITE_NOTE),))
    footnotes += [(Italic(texts.SUPPRESSED_NOTE.format(n=n)),) for n in sorted(notes.suppressed)]
    if notes.secondary:
        footnotes.append((Italic(texts.SECONDARY_NOTE),))
    if footnotes:
        sections.append(Section("", tuple(footnotes)))
    return sections


def format_period(digest: Digest) -> str:
    """The period in the city's time: "du lun. 16/11 08:00 au lun. 23/11 08:00"."""
    return texts.period_words(digest.period.start, digest.period.end)


def trend(now: int, before: int) -> str:
    """The change since the previous period: "▲ +12", "▼ -3" or "="."""
    change = now - before
    if change > 0:
        return f"▲ +{texts.number(change)}"
    if change < 0:
        return f"▼ -{texts.number(-change)}"
    return "="


def _header(digest: Digest) -> Section:
    return Section(digest.title, ((f"🗓 {texts.DIGEST} {format_period(digest)}",),), level=1)


def _participation(digest: Digest) -> Section:
    now, before = digest.totals, digest.previous
    lines: list[Line] = [
        _total("👤", texts.NEW_PARTICIPANTS, now, before, "new_participants"),
        _total("📝", texts.SESSIONS_STARTED, now, before, "sessions_started"),
        _total("✅", texts.COMPLETED, now, before, "completed"),
        _total("⏸", texts.ABANDONED, now, before, "abandoned"),
    ]
    if now.sessions_started > 0:
        rate = round(100 * now.completed / now.sessions_started)
        lines.append((f"{texts.COMPLETION_RATE} : ", Bold(texts.percent(rate))))
    lines.append((Italic(texts.TREND_NOTE),))
    if now.sessions_started == 0 and now.new_participants == 0:
        lines.insert(0, (Italic(texts.NOTHING_NEW),))
    return Section(texts.PARTICIPATION, tuple(lines))


FLAG_LABELS = {
    "danger": "danger ou menace",
    "domestic": "violences conjugales ou familiales",
    "sexual": "violences sexuelles",
    "child": "enfant en danger",
    "self_harm": "idées suicidaires",
}
FLAGS_TITLE = "Signalements"
FLAGS_NOTE = (
    "Messages où un·e habitant·e dit subir des violences ou être en danger : les numéros "
    "d'aide lui ont été donnés aussitôt. Ces textes ne sont jamais cités."
)


def _flags(digest: Digest) -> list[Section]:
    """The safeguarding line: "Signalements : 3 (danger ou menace 2, …)"; nothing if none."""
    if not digest.flagged_messages and not digest.flags:
        return []
    kinds = ", ".join(
        f"{FLAG_LABELS.get(category, category)} {texts.number(count)}"
        for category, count in sorted(digest.flags.items(), key=lambda item: (-item[1], item[0]))
    )
    line: Line = (f"⚠️ {FLAGS_TITLE} : ", Bold(texts.number(digest.flagged_messages)))
    if kinds:
        line += (f" ({kinds})",)
    return [Section(FLAGS_TITLE, (line, (Italic(FLAGS_NOTE),)))]


def _total(icon: str, label: str, now: Totals, before: Totals, name: str) -> Line:
    # Totals are whole-consultation counts, not groups of residents: never suppressed.
    value, previous = getattr(now, name), getattr(before, name)
    return (f"{icon} {label} : ", Bold(texts.number(value)), f" {trend(value, previous)}")


def _days(digest: Digest, chart: ChartPlan | None) -> list[Section]:
    days = [day for day in digest.days if day.sessions > 0]
    if not days:
        return []
    if len(digest.days) <= DAYS_LISTED:
        lines: list[Line] = [
            (f"{texts.local_day(day.day)} : ", Bold(texts.number(day.sessions)))
            for day in digest.days
        ]
    else:
        busiest = max(days, key=lambda day: day.sessions)
        lines = [(texts.BUSIEST_DAY.format(day=texts.local_day(busiest.day), n=busiest.sessions),)]
    return [Section(texts.DAYS, tuple(lines), chart=chart)]


def _funnel(digest: Digest, notes: _Notes, chart: ChartPlan | None) -> list[Section]:
    steps = digest.funnel
    if not any(step.reached.suppressed or step.reached.value > 0 for step in steps):
        return []
    first = steps[0].reached
    lines: list[Line] = [(Italic(texts.FUNNEL_NOTE),)]
    for n, step in enumerate(steps, start=1):
        line: Line = (f"{n}. {step.label} : ", Bold(_shown(step.reached, notes)))
        if _visible(step.reached) and _visible(first) and first.value > 0:
            line += (f" ({texts.percent(round(100 * step.reached.value / first.value))})",)
        lines.append(line)
    drop = _biggest_drop(steps, digest.min_group_size)
    if drop is not None:
        lines.append((texts.BIGGEST_DROP.format(label=drop[0], drop=f"-{texts.number(drop[1])}"),))
    return [Section(texts.FUNNEL, tuple(lines), chart=chart)]


def _biggest_drop(steps: Sequence[FunnelStep], min_group: int) -> tuple[str, int] | None:
    """The step before which most sessions stopped, if that many may be shown."""
    best: tuple[str, int] | None = None
    for before, after in itertools.pairwise(steps):
        if not (_visible(before.reached) and _visible(after.reached)):
            continue  # a difference with a suppressed cell would reveal it
        drop = before.reached.value - after.reached.value
        # A drop is itself a group of residents: smaller than the minimum, it is not shown.
        if drop >= min_group and (best is None or drop > best[1]):
            best = (after.label, drop)
    return best


def _questions(
    digest: Digest, notes: _Notes, plans: Mapping[tuple[str, str | None], ChartPlan]
) -> list[Section]:
    # Choice and text questions in the consultation's order (the funnel's), so a question's
    # "précision" follows it, as in the workshop.
    order = {step.step_id: n for n, step in enumerate(digest.funnel)}
    results: list[ChoiceResult | TextResult] = [*digest.choices, *digest.texts]
    results.sort(key=lambda result: order.get(result.step_id, len(order)))
    sections = []
    theme: str | None = ""
    for result in results:
        kicker = texts.theme_title(result.theme) if result.theme != theme else None
        theme = result.theme
        if kicker is not None and kicker.casefold() == result.question.casefold():
            kicker = None  # "Quels objectifs ?" twice in a row says nothing more
        if isinstance(result, ChoiceResult):
            blocks = _choice_blocks(result, notes)
            chart = plans.get(("question", result.step_id))
        else:
            blocks = _text_blocks(result)
            chart = None
        sections.append(Section(result.question, blocks, kicker=kicker, chart=chart))
    return sections


def _choice_blocks(choice: ChoiceResult, notes: _Notes) -> tuple[Block, ...]:
    blocks: list[Block] = [
        (
            Italic(
                texts.ANSWERED.format(
                    answered=texts.number(choice.answered), skipped=texts.number(choice.skipped)
                )
            ),
        )
    ]
    blocks += [
        _row_line(rank, row, choice.answered, notes)
        for rank, row in enumerate(ranked(choice.rows), start=1)
    ]
    other = next((row for row in choice.rows if row.code == OTHER_CODE), None)
    hidden = other is not None and other.count.suppressed
    # The number of "Autre" texts is the size of the "Autre" group: shown like it.
    count = (
        other.count.shown() if other is not None and hidden else texts.number(choice.other_count)
    )
    quoted = _quotes((Italic(texts.OTHER_TEXTS.format(count=count)),), choice.other_texts)
    if quoted.texts:
        blocks.append(quoted)
    return tuple(blocks)


def _text_blocks(result: TextResult) -> tuple[Block, ...]:
    intro = (Italic(texts.FREE_TEXTS.format(count=texts.number(result.count))),)
    quoted = _quotes(intro, result.recent)
    if result.count == 0 or not quoted.texts:
        return ((Italic(texts.NO_TEXT),),)
    return (quoted,)


def _row_line(rank: int | None, row: Row, base: int | None, notes: _Notes) -> Line:
    prefix = f"{rank}. " if rank is not None else "• "
    if row.favourite:
        prefix += f"{texts.FAVOURITE} "
        notes.favourite = True
    line: Line = (f"{prefix}{row.label} : ", Bold(_shown(row.count, notes)))
    if base and _visible(row.count):
        line += (f" ({texts.percent(round(100 * row.count.value / base))})",)
    return line


def _visible(cell: Cell) -> bool:
    return not cell.suppressed


def _shown(cell: Cell, notes: _Notes) -> str:
    if cell.suppressed:
        if cell.value < cell.threshold:
            notes.suppressed.add(cell.threshold)
        else:
            notes.secondary = True
        return cell.shown()
    return texts.number(cell.value)


# -- Resident texts -------------------------------------------------------------------------

# Explicit direction controls would reorder the digest's own words around a quote.
_BIDI_CONTROLS = dict.fromkeys(
    [0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
_SPACES = re.compile(r"\s+")


def clean_text(text: str, limit: int = QUOTE_LENGTH) -> str:
    """A resident text fit to quote: one line, no controls, at most `limit` characters."""
    kept = []
    for char in text.translate(_BIDI_CONTROLS):
        category = unicodedata.category(char)
        if category == "Cs":
            kept.append("\ufffd")  # a lone surrogate (possible from JSON) cannot be encoded
        elif category == "Cc":
            kept.append(" ")
        else:
            kept.append(char)
    flat = _SPACES.sub(" ", "".join(kept)).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:  # end on a whole word unless that loses too much
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "…"


def _quotes(intro: Line, items: Iterable[str]) -> Quotes:
    return Quotes(intro, tuple(text for text in (clean_text(item) for item in items) if text))


# -- Telegram -------------------------------------------------------------------------------


def render_telegram(digests: Sequence[Digest]) -> list[str]:
    """Telegram messages (parse_mode HTML), each within 4,096 characters, in reading order.

    Each digest starts a new message; a digest longer than a message is split between
    sections, then between lines, and a single overlong line is cut with its tags closed
    and reopened. Messages after a digest's first are headed "<title> — suite (2/3)".
    """
    parts: list[str] = []
    for digest in digests:
        title = clean_text(digest.title, TITLE_IN_CONTINUATION)
        reserve = _size(_continuation(title, 99, 99))
        sections = [_telegram_units(section) for section in layout(digest)]
        packed = _pack(sections, MESSAGE_LIMIT - reserve)
        parts += [
            packed[0],
            *(_continuation(title, n, len(packed)) + part for n, part in enumerate(packed[1:], 2)),
        ]
    return parts


def render_telegram_summary(digest: Digest) -> str:
    """One message for `/stats`: the heading, participation and the funnel."""
    sections = [
        section
        for section in layout(digest)
        if section.level == 1 or section.title in (texts.PARTICIPATION, texts.FUNNEL)
    ]
    return _pack([_telegram_units(section) for section in sections], MESSAGE_LIMIT)[0]


def _continuation(title: str, n: int, total: int) -> str:
    return f"<i>{_escape(texts.CONTINUED.format(title=title, n=n, total=total))}</i>\n\n"


def _telegram_units(section: Section) -> list[str]:
    """A section as units: balanced HTML fragments a message may be split between."""
    units = [_telegram_block(block) for block in section.blocks]
    heading = []
    if section.kicker:
        heading.append(f"🔷 <b>{_escape(section.kicker.upper())}</b>\n")
    if section.level == 1:
        heading.append(f"📊 <b>{_escape(section.title)}</b>")
    elif section.title:
        heading.append(f"<b>{_escape(section.title)}</b>")
    if heading:
        # A heading stays with the section's first line: never alone at the end of a message.
        first = "\n".join(["".join(heading), *units[:1]])
        units = [first, *units[1:]]
    return units


def _telegram_block(block: Block) -> str:
    if isinstance(block, Quotes):
        # One unit with its intro, so the intro never ends a message without its quotes.
        quoted = "\n".join(f"« {_escape(text)} »" for text in block.texts)
        return f"{_telegram_line(block.intro)}\n<blockquote expandable>{quoted}</blockquote>"
    if isinstance(block, Table):
        return "\n".join(
            f"<b>{_escape(label)}</b> : "
            + " · ".join(
                f"{_escape(column)} {_escape(cell)}"
                for column, cell in zip(block.columns, cells, strict=True)
            )
            for label, cells in block.rows
        )
    return _telegram_line(block)


def _telegram_line(line: Line) -> str:
    out = []
    for run in line:
        if isinstance(run, Bold):
            out.append(f"<b>{_escape(run.text)}</b>")
        elif isinstance(run, Italic):
            out.append(f"<i>{_escape(run.text)}</i>")
        else:
            out.append(_escape(run))
    return "".join(out)


def _escape(text: str) -> str:
    # Text nodes only (no attribute carries a text): quotes need no escaping.
    return html.escape(text, quote=False)


def _size(text: str) -> int:
    """Length in UTF-16 units of the raw HTML: never less than the parsed text's length."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _pack(sections: Sequence[Sequence[str]], limit: int) -> list[str]:
    """Fill messages with whole sections, else whole units, else cut units."""
    parts: list[str] = []
    current = ""

    def put(piece: str, separator: str) -> None:
        nonlocal current
        if current and _size(current) + _size(separator) + _size(piece) <= limit:
            current += separator + piece
        else:
            if current:
                parts.append(current)
            current = piece

    for units in sections:
        if not units:
            continue
        whole = "\n".join(units)
        if _size(whole) <= limit:
            put(whole, "\n\n")
            continue
        separator = "\n\n"
        for unit in units:
            if _size(unit) <= limit:
                pieces = [unit]
            else:
                # Fill what is left of the current message first, if that is worth it.
                room = limit - _size(current) - _size(separator) if current else limit
                pieces = _cut(unit, limit, room if room >= limit // 4 else limit)
            for piece in pieces:
                put(piece, separator)
                separator = "\n"
    if current:
        parts.append(current)
    return parts


_ATOM = re.compile(r"<[^>]*>|&#?[0-9A-Za-z]+;|.", re.DOTALL)


def _cut(unit: str, limit: int, first: int) -> list[str]:
    """Cut one balanced HTML fragment into pieces within `limit` (`first` for the first one),
    each balanced on its own.

    Cuts fall on a line break, else a space, in the second half of a piece; never inside a
    tag or an entity. Tags open at a cut are closed before it and reopened after it.
    """
    atoms = _ATOM.findall(unit)
    pieces: list[str] = []
    stack: list[tuple[str, str]] = []  # (name, opening tag) of the tags open
    start = 0
    while start < len(atoms):
        budget = limit if pieces else first
        body = [opening for _, opening in stack]
        size = _size("".join(body))
        newline: tuple[int, list[tuple[str, str]], int] | None = None
        space: tuple[int, list[tuple[str, str]], int] | None = None
        index = start
        while index < len(atoms):
            atom = atoms[index]
            after = _tags_after(stack, atom)
            if size + _size(atom) + _size(_closing(after)) > budget and index > start:
                break
            body.append(atom)
            size += _size(atom)
            stack = after
            index += 1
            if atom == "\n":
                newline = (index, list(stack), len(body))
            elif atom == " ":
                space = (index, list(stack), len(body))
        else:
            pieces.append("".join(body) + _closing(stack))
            break
        half = start + (index - start) // 2
        chosen = next((b for b in (newline, space) if b is not None and b[0] > half), None)
        if chosen is not None:
            index, stack, kept = chosen
            body = body[:kept]
        pieces.append("".join(body).rstrip("\n ") + _closing(stack))
        start = index
    return pieces


def _tags_after(stack: list[tuple[str, str]], atom: str) -> list[tuple[str, str]]:
    if atom.startswith("</"):
        return stack[:-1]
    if atom.startswith("<") and len(atom) > 1:
        name = atom[1:-1].split(maxsplit=1)[0].lower()
        return [*stack, (name, atom)]
    return stack


def _closing(stack: Sequence[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


# -- E-mail ---------------------------------------------------------------------------------

_BODY = (
    "margin:0;padding:16px;background:#ffffff;color:#1a1a1a;"
    "font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.45"
)
_QUOTE = "margin:6px 0 10px;padding:2px 12px;border-left:3px solid #b0b8c4;color:#333333"
_CELL = "padding:4px 8px;border:1px solid #d0d4da;text-align:left"


def render_email_html(digests: Sequence[Digest], cids: Mapping[str, str] | None = None) -> str:
    """One HTML document for every digest, charts shown as `cid:` images.

    A chart's Content-ID is `cids[chart.name]` when given (with or without angle
    brackets), else the chart's name.
    """
    cids = cids or {}
    title = texts.DIGEST if not digests else f"{texts.DIGEST} — {digests[0].title}"
    body: list[str] = []
    for n, digest in enumerate(digests):
        if n:
            body.append('<hr style="border:0;border-top:1px solid #d0d4da;margin:24px 0">')
        for section in layout(digest):
            body.append(_email_section(section, cids))
    if not digests:
        body.append(f"<p>{_attr(texts.NO_DIGEST)}</p>")
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_attr(title)}</title>\n</head>\n"
        f'<body style="{_BODY}">\n<div style="max-width:640px;margin:0 auto">\n'
        + "\n".join(body)
        + "\n</div>\n</body>\n</html>\n"
    )


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _email_section(section: Section, cids: Mapping[str, str]) -> str:
    out = []
    if section.kicker:
        out.append(
            '<h2 style="font-size:18px;margin:28px 0 4px;color:#1f5fa8">'
            f"{_attr(section.kicker)}</h2>"
        )
    if section.level == 1:
        out.append(f'<h1 style="font-size:22px;margin:0 0 4px">{_attr(section.title)}</h1>')
    elif section.title:
        out.append(f'<h3 style="font-size:16px;margin:18px 0 4px">{_attr(section.title)}</h3>')
    for block in section.blocks:
        out.append(_email_block(block))
    if section.chart is not None:
        cid = cids.get(section.chart.name, section.chart.name).strip("<>")
        out.append(
            f'<p style="margin:8px 0"><img src="cid:{_attr(cid)}" '
            f'alt="{_attr(section.chart.title)}"'
            ' width="540" style="display:block;width:100%;max-width:540px;height:auto;border:0">'
            "</p>"
        )
    return "\n".join(out)


def _email_block(block: Block) -> str:
    if isinstance(block, Quotes):
        quoted = "".join(
            f'<p dir="auto" style="margin:4px 0">« {_attr(text)} »</p>' for text in block.texts
        )
        return f'{_email_line(block.intro)}\n<blockquote style="{_QUOTE}">{quoted}</blockquote>'
    if isinstance(block, Table):
        head = "".join(f'<th style="{_CELL}">{_attr(column)}</th>' for column in block.columns)
        rows = "".join(
            f'<tr><th style="{_CELL}">{_attr(label)}</th>'
            + "".join(f'<td style="{_CELL}">{_attr(cell)}</td>' for cell in cells)
            + "</tr>"
            for label, cells in block.rows
        )
        return (
            '<table style="border-collapse:collapse;margin:6px 0;font-size:14px">'
            f'<tr><th style="{_CELL}"></th>{head}</tr>{rows}</table>'
        )
    return _email_line(block)


def _email_line(line: Line) -> str:
    runs = []
    for run in line:
        if isinstance(run, Bold):
            runs.append(f"<strong>{_attr(run.text)}</strong>")
        elif isinstance(run, Italic):
            runs.append(f'<em style="color:#555555">{_attr(run.text)}</em>')
        else:
            runs.append(_attr(run))
    return f'<p style="margin:0 0 4px">{"".join(runs)}</p>'


# -- Plain text -----------------------------------------------------------------------------


def render_plain(digests: Sequence[Digest]) -> str:
    """The digests as plain text (digest.txt, the e-mail's text part)."""
    if not digests:
        return texts.NO_DIGEST + "\n"
    out: list[str] = []
    for n, digest in enumerate(digests):
        if n:
            out += ["", "=" * 60, ""]
        for section in layout(digest):
            out += _plain_section(section)
    return "\n".join(out).strip("\n") + "\n"


def _plain_section(section: Section) -> list[str]:
    out: list[str] = []
    if section.kicker:
        out += ["", f"== {section.kicker.upper()} =="]
    if section.level == 1:
        out += [section.title.upper(), "=" * min(len(section.title), 60)]
    elif section.title:
        out += ["", section.title, "-" * min(len(section.title), 60)]
    else:
        out.append("")
    for block in section.blocks:
        if isinstance(block, Quotes):
            out += [_plain_line(block.intro), *(f"    « {text} »" for text in block.texts)]
        elif isinstance(block, Table):
            out += _plain_table(block)
        else:
            out.append(_plain_line(block))
    return out


def _plain_line(line: Line) -> str:
    return "".join(run if isinstance(run, str) else run.text for run in line)


def _plain_table(table: Table) -> list[str]:
    rows = [("", *table.columns), *((label, *cells) for label, cells in table.rows)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
