"""Digests as staff read them: Telegram HTML messages, an HTML e-mail, plain text.

Three writers of the document `digest.layout` lays out, so the three outputs always carry the
same figures. Each escapes resident texts for what it writes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

from digest import texts
from digest.layout import (
    Block,
    Bold,
    Italic,
    Line,
    Quotes,
    Section,
    Table,
    clean_text,
    layout,
)
from digest.model import Digest
from flows.limits import MESSAGE_UNITS, telegram_length
from flows.typography import french_spacing

TITLE_IN_CONTINUATION = 60


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
        reserve = telegram_length(_continuation(title, 99, 99))
        sections = [_telegram_units(section) for section in layout(digest)]
        packed = _pack(sections, MESSAGE_UNITS - reserve)
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
    return _pack([_telegram_units(section) for section in sections], MESSAGE_UNITS)[0]


def _continuation(title: str, n: int, total: int) -> str:
    heading = french_spacing(texts.CONTINUED.format(title=title, n=n, total=total))
    return f"<i>{_escape(heading)}</i>\n\n"


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
        quoted = "\n".join(texts.quoted(_escape(text)) for text in block.texts)
        return f"{_telegram_line(block.intro)}\n<blockquote expandable>{quoted}</blockquote>"
    if isinstance(block, Table):
        return "\n".join(
            f"<b>{_escape(texts.labelled(label))}</b>"
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


def _pack(sections: Sequence[Sequence[str]], limit: int) -> list[str]:
    """Fill messages with whole sections, else whole units, else cut units.

    Sizes are the raw HTML's, never less than the parsed text's that Telegram counts."""
    parts: list[str] = []
    current = ""

    def put(piece: str, separator: str) -> None:
        nonlocal current
        if (
            current
            and telegram_length(current) + telegram_length(separator) + telegram_length(piece)
            <= limit
        ):
            current += separator + piece
        else:
            if current:
                parts.append(current)
            current = piece

    for units in sections:
        if not units:
            continue
        whole = "\n".join(units)
        if telegram_length(whole) <= limit:
            put(whole, "\n\n")
            continue
        separator = "\n\n"
        for unit in units:
            if telegram_length(unit) <= limit:
                pieces = [unit]
            else:
                # Fill what is left of the current message first, if that is worth it.
                room = (
                    limit - telegram_length(current) - telegram_length(separator)
                    if current
                    else limit
                )
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
        size = telegram_length("".join(body))
        newline: tuple[int, list[tuple[str, str]], int] | None = None
        space: tuple[int, list[tuple[str, str]], int] | None = None
        index = start
        while index < len(atoms):
            atom = atoms[index]
            after = _tags_after(stack, atom)
            if (
                size + telegram_length(atom) + telegram_length(_closing(after)) > budget
                and index > start
            ):
                break
            body.append(atom)
            size += telegram_length(atom)
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
# A resident's word longer than the line (a link, a word of 280 letters) is broken: unbroken,
# it widened the whole e-mail past a phone's screen. Both properties: mail clients read one
# or the other.
_QUOTE = (
    "margin:6px 0 10px;padding:2px 12px;border-left:3px solid #b0b8c4;color:#333333;"
    "overflow-wrap:anywhere;word-break:break-word"
)
_CELL = "padding:4px 8px;border:1px solid #d0d4da;text-align:left"


def render_email_html(digests: Sequence[Digest], cids: Mapping[str, str] | None = None) -> str:
    """One HTML document for every digest, charts shown as `cid:` images.

    A chart's Content-ID is `cids[chart.name]` when given (with or without angle
    brackets), else the chart's name.
    """
    cids = cids or {}
    title = texts.DIGEST if not digests else f"{texts.DIGEST} — {french_spacing(digests[0].title)}"
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
            f'<p dir="auto" style="margin:4px 0">{texts.quoted(_attr(text))}</p>'
            for text in block.texts
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
            out += [
                _plain_line(block.intro),
                *(f"    {texts.quoted(text)}" for text in block.texts),
            ]
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
