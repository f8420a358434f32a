"""The digest's safeguarding section: who was given the helplines, per channel.

A resident who writes to the bot gets them at once; a relay typing an assisted entry gets
them to pass on; nobody sees any on a paper form, so staff must follow it up through the
relay. Counts only: the texts are never quoted.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from digest.aggregate import build_digest
from digest.layout import FLAGS_NOTE
from digest.model import Period
from digest.render import render_email_html, render_plain, render_telegram
from flows.loader import BUILTIN_DIR, load_consultation
from flows.state import Answer
from flows.typography import french_spacing
from storage.base import Channel, Flag
from storage.sqlite import SqliteStore
from tests.digest.residents import session_of

CONSULTATION = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])
START = dt.datetime(2026, 11, 16, 7, 0, tzinfo=dt.UTC)
PERIOD = Period(START, START + dt.timedelta(days=7))
DISCLOSURE = "mon mari me frappe quand il boit"


async def flagged(store: SqliteStore, number: int, channel: Channel) -> None:
    """A completed session of `channel` whose free text disclosed violence at home."""
    answers = {
        "quartier": Answer(choices=["bourgogne"]),
        "freins_precision": Answer(text=DISCLOSURE),
    }
    now = START + dt.timedelta(hours=number + 1)
    flags = [Flag("domestic", "freins_precision")]
    await session_of(store, CONSULTATION, number, answers, now, channel=channel, flags=flags)


async def plain_digest(tmp_path: Path, channels: list[Channel]) -> tuple[str, list[str]]:
    """The plain digest of a week with one flagged message per entry of `channels`, and its
    safeguarding section's lines."""
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        for number, channel in enumerate(channels):
            await flagged(store, number, channel)
        digest = await build_digest(store, CONSULTATION, PERIOD)
    assert digest.flagged_by_channel == Counter(channel.value for channel in channels)
    plain = render_plain([digest])
    for output in (plain, "\n".join(render_telegram([digest])), render_email_html([digest])):
        assert "frappe" not in output
    section = plain.split("\nSignalements\n", 1)[1].split("\n\n", 1)[0]
    return plain, section.splitlines()[1:]  # under the title's underline


async def test_a_paper_disclosure_says_that_nobody_was_given_the_helplines(tmp_path: Path):
    channels = [Channel.TELEGRAM, Channel.TELEGRAM, Channel.PAPER, Channel.ASSISTED]
    plain, lines = await plain_digest(tmp_path, channels)
    count = Counter(channels)
    assert lines[0].startswith(f"⚠️ {len(channels)} personnes (")
    # Never "given at once" for every disclosure: paper and assisted ones say what happened.
    assert french_spacing(FLAGS_NOTE) not in plain
    assert (
        f"• dont {count[Channel.PAPER]} sur questionnaire papier\u202f: aucun numéro n'a été "
        "donné\u202f; à voir avec le relais qui l'a recueilli."
    ) in lines
    assert (
        f"• dont {count[Channel.ASSISTED]} saisi par un relais\u202f: les numéros d'aide ont été "
        "donnés au relais, pour qu'il les transmette."
    ) in lines
    assert (
        f"• dont {count[Channel.TELEGRAM]} écrits au bot\u202f: les numéros d'aide ont été donnés "
        "aussitôt aux personnes."
    ) in lines


async def test_several_paper_disclosures_are_counted_in_the_plural(tmp_path: Path):
    channels = [Channel.PAPER, Channel.PAPER]
    _, lines = await plain_digest(tmp_path, channels)
    assert f"dont {len(channels)} sur questionnaires papier" in "\n".join(lines)
    assert not any("écrit" in line for line in lines)  # no chat line for no chat disclosure


@pytest.mark.parametrize("channel", [Channel.TELEGRAM, Channel.CONSOLE])
async def test_disclosures_typed_to_the_bot_keep_the_short_note(tmp_path: Path, channel: Channel):
    _, lines = await plain_digest(tmp_path, [channel])
    assert lines == [
        "⚠️ 1 personne (violences conjugales ou familiales 1)",
        french_spacing(FLAGS_NOTE),
    ]


async def test_a_stray_disclosure_without_a_session_was_typed_to_the_bot(tmp_path: Path):
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        await flagged(store, 0, Channel.PAPER)
        await store.add_flags([Flag("danger")], CONSULTATION.id, None, START, None)
        digest = await build_digest(store, CONSULTATION, PERIOD)
    assert digest.flagged_by_channel == {"paper": 1, "": 1}
    plain = render_plain([digest])
    assert "dont 1 écrit au bot\u202f: les numéros d'aide ont été donnés aussitôt" in plain
    assert "dont 1 sur questionnaire papier" in plain


async def test_a_resident_repeating_a_disclosure_is_counted_once(tmp_path: Path):
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        await flagged(store, 0, Channel.TELEGRAM)
        await flagged(store, 1, Channel.PAPER)
        telegram = [s async for s in store.export(CONSULTATION.id) if s.channel is Channel.TELEGRAM]
        session_id = telegram[0].session_id
        # The same resident writes the same phrase three more times in their session.
        for minute in range(3):
            at = START + dt.timedelta(hours=1, minutes=minute + 1)
            await store.add_flags([Flag("domestic")], CONSULTATION.id, session_id, at, None)
        await store.add_flags([Flag("danger")], CONSULTATION.id, session_id, START, None)
        digest = await build_digest(store, CONSULTATION, PERIOD)
    assert digest.disclosures == 2
    assert digest.flags == {"domestic": 2, "danger": 1}
    assert digest.flagged_by_channel == {"telegram": 1, "paper": 1}
    assert "⚠️ 2 personnes (violences conjugales ou familiales 2" in render_plain([digest])


async def test_the_section_says_signalements_once(tmp_path: Path):
    # Its title says what the section counts: the line under it gives the count, in every
    # writer, and does not repeat the word.
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        await flagged(store, 0, Channel.TELEGRAM)
        digest = await build_digest(store, CONSULTATION, PERIOD)
    plain = render_plain([digest])
    assert plain.count("Signalements") == 1
    assert "\nSignalements\n------------\n⚠️ 1 personne (" in plain
    telegram = "\n".join(render_telegram([digest]))
    assert telegram.count("Signalements") == 1
    assert "<b>Signalements</b>\n⚠️ <b>1 personne</b> (" in telegram
    assert render_email_html([digest]).count("Signalements") == 1
