"""A digest laid out as a small document: sections of lines, quotes and tables.

`layout` decides once what a digest says and in which order; the writers in `digest.render`
print it as Telegram HTML, an HTML e-mail and plain text, so the three carry the same
figures. Counts of residents are printed with `Cell.shown()` only: a suppressed cell prints
"< 5", never its value, and no figure derived from it (percentage, difference) is printed
either. Resident texts are cleaned here (controls and bidi overrides removed, whitespace
collapsed) and shortened; each writer escapes them. The digest's own words get French
spacing (`flows.typography`: narrow no-break spaces before : ; ! ? % and inside « »), as the
consultation's texts have; residents' quoted words are printed as they wrote them.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from digest import texts
from digest.charts import ChartPlan, in_order, plan, ranked
from digest.model import (
    Cell,
    ChoiceResult,
    Digest,
    FunnelStep,
    Row,
    TextResult,
    completion_rate,
    share,
)
from flows.shorten import Measure, shorten
from flows.typography import french_spacing

QUOTE_LENGTH = 280  # characters of a resident text quoted in a digest
DAYS_LISTED = 14  # longer periods name the busiest day only (the chart shows them all)
BULLET = "• "  # a row with no rank


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
    running: bool = False  # running totals since the opening were printed
    withheld: bool = False  # texts counted as hidden by moderation or withheld


def layout(digest: Digest) -> list[Section]:
    """The sections of a digest, in reading order."""
    return [_typeset(section) for section in _sections(digest)]


def _sections(digest: Digest) -> list[Section]:
    notes = _Notes()
    if _empty(digest):  # a question list of zeros would say nothing more, at length
        return [_header(digest), _nothing(digest), *_flags(digest)]
    plans = {(item.kind, item.step_id): item for item in plan(digest)}
    sections = [_header(digest), _participation(digest), *_flags(digest)]
    sections += _days(digest, notes, plans.get(("days", None)))
    sections += _funnel(digest, notes, plans.get(("funnel", None)))
    for breakdown in digest.breakdowns:
        if breakdown.rows:
            lines = tuple(_row_line(BULLET, row, None, notes) for row in ranked(breakdown.rows))
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
    if notes.withheld:
        footnotes.append((Italic(texts.WITHHELD_NOTE),))
    if notes.running and digest.opened is not None:
        footnotes.append((Italic(texts.RUNNING_NOTE.format(day=texts.local_day(digest.opened))),))
    if footnotes:
        sections.append(Section("", tuple(footnotes)))
    return sections


def format_period(digest: Digest) -> str:
    """The period in the city's time: "du lun. 16/11 08:00 au lun. 23/11 08:00"."""
    return texts.period_words(digest.period.start, digest.period.end, digest.timezone)


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
    now = digest.totals
    lines: list[Line] = [
        _total("👤", texts.NEW_PARTICIPANTS, digest, "new_participants"),
        _total("📝", texts.SESSIONS_STARTED, digest, "sessions_started"),
        _total("✅", texts.COMPLETED, digest, "completed"),
        _total("⏸", texts.ABANDONED, digest, "abandoned"),
    ]
    paper = digest.paper_sessions
    rate = completion_rate(now, paper)
    if rate is not None:
        label = texts.COMPLETION_RATE_NO_PAPER if paper else texts.COMPLETION_RATE
        lines.append((texts.labelled(label), Bold(texts.percent(rate))))
    lines += _since_opening(digest)
    if digest.previous is not None:
        lines.append((Italic(texts.TREND_NOTE),))
    if now.sessions_started == 0 and now.new_participants == 0:
        lines.insert(0, (Italic(texts.NOTHING_NEW),))
    return Section(texts.PARTICIPATION, tuple(lines))


def _empty(digest: Digest) -> bool:
    """Whether nobody took part in the period: no session started, none active."""
    totals = digest.totals
    return totals.sessions_started == totals.new_participants == digest.active == 0


def _nothing(digest: Digest) -> Section:
    """The participation of an empty period: that, the totals since the opening, and the
    sessions given up (idle since before it) if any."""
    lines: list[Line] = [(Italic(texts.NOTHING_NEW),), *_since_opening(digest)]
    if digest.totals.abandoned:
        lines.append(_total("⏸", texts.ABANDONED, digest, "abandoned"))
    return Section(texts.PARTICIPATION, tuple(lines))


def _since_opening(digest: Digest) -> list[Line]:
    """ "📈 Depuis l'ouverture (lun. 02/11) : 120 parcours commencés, 80 terminés", if any."""
    since = digest.since_opening
    if since is None or digest.opened is None:
        return []
    started = texts.plural(since.sessions_started, *texts.RUNNING_STARTED)
    completed = texts.plural(since.completed, *texts.RUNNING_COMPLETED)
    day = texts.local_day(digest.opened)
    return [(f"📈 {texts.SINCE_OPENING.format(day=day)} : {started}, {completed}",)]


FLAG_LABELS = {
    "danger": "danger ou menace",
    "domestic": "violences conjugales ou familiales",
    "sexual": "violences sexuelles",
    "child": "enfant en danger",
    "self_harm": "idées suicidaires",
    "shelter": "sans endroit où dormir",
    "elder": "personne âgée ou handicapée maltraitée",
}
FLAGS_TITLE = "Signalements"
FLAGS_PEOPLE = ("{n} personne", "{n} personnes")
FLAGS_NOTE = (
    "Habitant·es qui disent subir des violences ou être en danger, compté·es une fois par "
    "questionnaire quel que soit le nombre de messages : les numéros d'aide leur ont été "
    "donnés aussitôt. Ces textes ne sont jamais cités."
)
FLAGS_NOTE_MIXED = (
    "Habitant·es qui disent subir des violences ou être en danger, compté·es une fois par "
    "questionnaire quel que soit le nombre de messages. Ces textes ne sont jamais cités."
)
# Who saw the helplines, per channel (singular, plural): a paper form showed none, so staff
# must follow it up through the relay; paper first, as the one that needs doing.
# Keys are `storage.base.Channel` values.
FLAGS_BY_CHANNEL: dict[str, tuple[str, str]] = {
    "paper": (
        "dont {n} sur questionnaire papier : aucun numéro n'a été donné ; à voir avec le "
        "relais qui l'a recueilli.",
        "dont {n} sur questionnaires papier : aucun numéro n'a été donné ; à voir avec les "
        "relais qui les ont recueillis.",
    ),
    "assisted": (
        "dont {n} saisi par un relais : les numéros d'aide ont été donnés au relais, pour "
        "qu'il les transmette.",
        "dont {n} saisis par un relais : les numéros d'aide ont été donnés au relais, pour "
        "qu'il les transmette.",
    ),
}
FLAGS_BY_CHAT = (
    "dont {n} écrit au bot : les numéros d'aide ont été donnés aussitôt à la personne.",
    "dont {n} écrits au bot : les numéros d'aide ont été donnés aussitôt aux personnes.",
)


def _flags(digest: Digest) -> list[Section]:
    """The safeguarding line under its title, "3 personnes (danger ou menace 2, …)", then
    who was given the helplines, per channel; nothing if none.

    The counts per channel are exact, like the total: staff act on them (a paper form's
    writer saw no helpline), and "< 5" would not hide that there is one.
    """
    if not digest.disclosures and not digest.flags:
        return []
    kinds = ", ".join(
        f"{FLAG_LABELS.get(category, category)} {texts.number(count)}"
        for category, count in sorted(digest.flags.items(), key=lambda item: (-item[1], item[0]))
    )
    # The section's title says "Signalements": the line gives the count, not the word again.
    line: Line = ("⚠️ ", Bold(texts.plural(digest.disclosures, *FLAGS_PEOPLE)))
    if kinds:
        line += (f" ({kinds})",)
    by_channel = {channel: n for channel, n in digest.flagged_by_channel.items() if n}
    relayed = [channel for channel in FLAGS_BY_CHANNEL if by_channel.get(channel)]
    if not relayed:  # typed to the bot by the residents themselves (or no split known)
        return [Section(FLAGS_TITLE, (line, (Italic(FLAGS_NOTE),)))]
    lines: list[Line] = [line]
    for channel in relayed:
        lines.append((f"• {texts.plural(by_channel[channel], *FLAGS_BY_CHANNEL[channel])}",))
    chat = sum(n for channel, n in by_channel.items() if channel not in FLAGS_BY_CHANNEL)
    if chat:
        lines.append((f"• {texts.plural(chat, *FLAGS_BY_CHAT)}",))
    lines.append((Italic(FLAGS_NOTE_MIXED),))
    return [Section(FLAGS_TITLE, tuple(lines))]


def _total(icon: str, label: str, digest: Digest, name: str) -> Line:
    value = getattr(digest.totals, name)
    line: Line = (f"{icon} {texts.labelled(label)}", Bold(texts.number(value)))
    if digest.previous is None:  # before the opening: nothing to compare with
        return line
    return (*line, f" {trend(value, getattr(digest.previous, name))}")


def _days(digest: Digest, notes: _Notes, chart: ChartPlan | None) -> list[Section]:
    if not any(_counted(day.sessions) for day in digest.days):
        return []
    if len(digest.days) <= DAYS_LISTED:
        lines: list[Line] = [
            (texts.labelled(texts.local_day(day.day)), Bold(_shown(day.sessions, notes)))
            for day in digest.days
        ]
    else:
        busiest = max(digest.days, key=lambda day: day.sessions.value)
        # Naming the busiest day says that no other day had more: only when no count is
        # hidden but small ones, which are below any shown count anyway.
        if _visible(busiest.sessions) and not any(
            day.sessions.suppressed and day.sessions.value >= day.sessions.threshold
            for day in digest.days
        ):
            day, n = texts.local_day(busiest.day), texts.number(busiest.sessions.value)
            lines = [(texts.BUSIEST_DAY.format(day=day, n=n),)]
        else:
            lines = [(Italic(texts.BUSIEST_HIDDEN),)]
    return [Section(texts.DAYS, tuple(lines), chart=chart)]


def _funnel(digest: Digest, notes: _Notes, chart: ChartPlan | None) -> list[Section]:
    steps = digest.funnel
    if not any(_counted(step.reached) for step in steps):
        return []
    first = steps[0].reached
    lines: list[Line] = [(Italic(texts.FUNNEL_NOTE),)]
    for n, step in enumerate(steps, start=1):
        line: Line = (f"{n}. {texts.labelled(step.label)}", Bold(_shown(step.reached, notes)))
        # A step some channels never ask is a share of the sessions it is asked to.
        base = first.value if step.asked is None else step.asked
        if step.asked is not None:
            line += (texts.FUNNEL_ASKED.format(n=texts.number(step.asked)),)
        if _visible(step.reached) and _visible(first) and base > 0:
            line += (f" ({texts.percent(share(step.reached.value, base))})",)
        lines.append(line)
    if any(step.asked is not None for step in steps):
        lines.append((Italic(texts.FUNNEL_ASKED_NOTE),))
    drop = _biggest_drop(steps, digest.min_group_size)
    if drop is not None:
        lines.append((texts.BIGGEST_DROP.format(label=drop[0], drop=f"-{texts.number(drop[1])}"),))
    return [Section(texts.FUNNEL, tuple(lines), chart=chart)]


def _biggest_drop(steps: Sequence[FunnelStep], min_group: int) -> tuple[str, int] | None:
    """The step before which most sessions stopped, if that many may be shown; a step some
    channels never ask is compared with the line before on the same sessions."""
    best: tuple[str, int] | None = None
    for before, after in itertools.pairwise(steps):
        if not (_visible(before.reached) and _visible(after.reached)):
            continue  # a difference with a suppressed cell would reveal it
        above = before.reached.value if after.previous is None else after.previous
        drop = above - after.reached.value
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
            blocks = _text_blocks(result, notes)
            chart = None
        sections.append(Section(result.question, blocks, kicker=kicker, chart=chart))
    return sections


def _choice_blocks(choice: ChoiceResult, notes: _Notes) -> tuple[Block, ...]:
    answered, skipped = choice.cell("answered"), choice.cell("skipped")
    header = f"{_noun(answered, texts.ANSWERS, notes)}, {_noun(skipped, texts.SKIPS, notes)}"
    if choice.total_answered is not None:
        total = texts.plural(choice.total_answered, *texts.ANSWERS)
        header += texts.RUNNING_ANSWERS.format(answers=total)
    if choice.multiple:  # the shares add up to more than 100 %
        header += texts.MULTIPLE
    blocks: list[Block] = [(Italic(header),)]
    # A share of a hidden number of answers would give that number away.
    base = answered.value if _visible(answered) else None
    rows = in_order(choice)
    # Ranks only where counts are printed: "4." on a hidden count would say it is smaller
    # than the third, which nobody knows; zeros are all tied. A scale keeps its own order.
    ranks = len([row for row in rows if _visible(row.count) and row.count.value > 0])
    blocks += [
        _row_line(
            f"{rank}. " if rank <= ranks and not choice.scale else BULLET,
            row,
            base,
            notes,
            choice.total_answered,
        )
        for rank, row in enumerate(rows, start=1)
    ]
    blocks += [_row_line("", end, base, notes, choice.total_answered) for end in choice.ends]
    other = choice.cell("other_count")
    quoted = _quotes((), choice.other_texts)
    unquoted = choice.other_masked + choice.other_withheld
    # Under a hidden count, "les plus récentes" whatever: saying that every text is quoted
    # would give the count away.
    more = other.suppressed or other.value - unquoted > len(quoted.texts)
    intro = _noun(other, texts.OTHER_TEXTS, notes)
    intro += _withheld(choice.other_masked, choice.other_withheld, notes)
    if quoted.texts:
        blocks.append(
            Quotes((Italic(intro + (texts.MOST_RECENT if more else " :")),), quoted.texts)
        )
    elif unquoted:
        blocks.append((Italic(f"{intro}."),))
    return tuple(blocks)


def _text_blocks(result: TextResult, notes: _Notes) -> tuple[Block, ...]:
    if result.count == 0:
        return ((Italic(texts.NO_TEXT),),)
    intro = texts.plural(result.count, *texts.WRITTEN)
    intro += _withheld(result.masked, result.withheld, notes)
    quoted = _quotes((), result.recent)
    if not quoted.texts:  # every text hidden or withheld
        return ((Italic(f"{intro}."),),)
    more = result.count - result.masked - result.withheld > len(quoted.texts)
    return (Quotes((Italic(intro + (texts.MOST_RECENT if more else " :")),), quoted.texts),)


def _withheld(masked: int, withheld: int, notes: _Notes) -> str:
    """The texts counted but never quoted: " (1 masquée, 2 retirées)", "" if none."""
    parts = []
    if masked:
        parts.append(texts.plural(masked, *texts.MASKED))
    if withheld:
        parts.append(texts.plural(withheld, *texts.WITHHELD))
    if not parts:
        return ""
    notes.withheld = True
    return f" ({', '.join(parts)})"


def _row_line(
    prefix: str, row: Row, base: int | None, notes: _Notes, total_base: int | None = None
) -> Line:
    """A row as "3. Label : 12 (30 %)" after `prefix` (a rank, a bullet or nothing)."""
    if row.favourite:
        prefix += f"{texts.FAVOURITE} "
        notes.favourite = True
    line: Line = (f"{prefix}{texts.labelled(row.label)}", Bold(_shown(row.count, notes)))
    if base and _visible(row.count):
        line += (f" ({texts.percent(share(row.count.value, base))})",)
    if row.total is not None:
        notes.running = True
        line += (texts.RUNNING_ROW, Bold(_shown(row.total, notes)))
        if total_base and _visible(row.total):
            line += (f" ({texts.percent(share(row.total.value, total_base))})",)
    return line


def _noun(cell: Cell, words: tuple[str, str], notes: _Notes) -> str:
    """A count with its noun, singular for 0 or 1: "1 réponse", "< 5 réponses"."""
    if cell.suppressed:
        return words[1].format(n=_shown(cell, notes))
    return texts.plural(cell.value, *words)


def _visible(cell: Cell) -> bool:
    return not cell.suppressed


def _counted(cell: Cell) -> bool:
    """Whether a count is above zero (hidden ones are)."""
    return cell.suppressed or cell.value > 0


def _shown(cell: Cell, notes: _Notes) -> str:
    if cell.suppressed:
        if cell.value < cell.threshold:
            notes.suppressed.add(cell.threshold)
        else:
            notes.secondary = True
        return cell.shown()
    return texts.number(cell.value)


def _typeset(section: Section) -> Section:
    """`section` with French spacing and no direction control in every word of the digest's
    own; quotes untouched (cleaned by `clean_text`)."""
    return dataclasses.replace(
        section,
        title=_own_words(section.title),
        kicker=None if section.kicker is None else _own_words(section.kicker),
        blocks=tuple(_typeset_block(block) for block in section.blocks),
        chart=None
        if section.chart is None
        else dataclasses.replace(section.chart, title=_own_words(section.chart.title)),
    )


def _typeset_block(block: Block) -> Block:
    if isinstance(block, Quotes):
        return Quotes(_typeset_line(block.intro), block.texts)
    if isinstance(block, Table):
        return Table(
            tuple(_own_words(column) for column in block.columns),
            tuple(
                (_own_words(label), tuple(_own_words(cell) for cell in cells))
                for label, cells in block.rows
            ),
        )
    return _typeset_line(block)


def _typeset_line(line: Line) -> Line:
    return tuple(_typeset_run(run) for run in line)


def _typeset_run(run: Inline) -> Inline:
    if isinstance(run, Bold):
        return Bold(_own_words(run.text))
    if isinstance(run, Italic):
        return Italic(_own_words(run.text))
    return _own_words(run)


def _own_words(text: str) -> str:
    """The digest's words with French spacing and no direction control: one in a name (a
    relay's, pasted from a phone's contacts) reversed the count after it, "12" read "21"."""
    return french_spacing(text.translate(_BIDI_CONTROLS))


# -- Resident texts -------------------------------------------------------------------------

# Explicit direction controls would reorder the digest's own words around a quote.
_BIDI_CONTROLS = dict.fromkeys(
    [0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
_SPACES = re.compile(r"\s+")
# Accents piled on one letter ("zalgo" text) are drawn above and below its line, over the
# quotes and figures around it; no script stacks more than a few.
MAX_MARKS = 8


def clean_text(text: str, limit: int = QUOTE_LENGTH, measure: Measure = len) -> str:
    """A resident text fit to quote: one line, no controls, no pile of accents, at most `limit`
    long as `measure` counts (characters; `flows.limits.telegram_length` for Telegram's UTF-16
    units)."""
    kept = []
    marks = 0  # combining marks in a row, on the same letter
    for char in text.translate(_BIDI_CONTROLS):
        category = unicodedata.category(char)
        marks = marks + 1 if category in ("Mn", "Me") else 0
        if category == "Cs":
            kept.append("\ufffd")  # a lone surrogate (possible from JSON) cannot be encoded
        elif category == "Cc":
            kept.append(" ")
        elif marks <= MAX_MARKS:
            kept.append(char)
    return shorten(_SPACES.sub(" ", "".join(kept)).strip(), limit, measure)


def _quotes(intro: Line, items: Iterable[str]) -> Quotes:
    return Quotes(intro, tuple(text for text in (clean_text(item) for item in items) if text))
