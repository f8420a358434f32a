"""The /mesdonnees file as a resident reads it: questions in the order they were asked, the
language and the channel said in words, and everything stored about them, even what staff
did with their texts or that a relay's link brought them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.privacy import Privacy
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import Consultation, Lang
from flows.state import Answer
from storage.base import Channel
from storage.sqlite import SqliteStore
from tests.storage.helpers import NOW, make_turn

SECRET = "a-secret-for-the-data-file"


def vivre_ensemble() -> Consultation:
    return load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])


async def data_file(
    tmp_path: Path, lang: Lang | None, reader: Lang = "fr", *, relay: bool = False
) -> str:
    """The file of a resident who answered a few questions in one turn, in `reader`'s language
    (who came through a relay's link, with `relay`); staff hid their text an hour later."""
    consultation = vivre_ensemble()
    async with SqliteStore(tmp_path / "db.sqlite3") as store:
        who = await store.participant("alice", NOW)
        if relay:
            made = await store.create_relay("Samia", "code", "hash", NOW, NOW)
            await store.attribute(who.id, made.id, NOW)
        if lang is not None:
            await store.set_language(who.id, lang)
        saved = {
            "quartier": Answer(choices=["bourgogne"]),
            "profil": Answer(choices=["habitant"]),
            "age": Answer(skipped=True),
            "leviers_precision": Answer(text="La ludothèque"),
            "suivi": Answer(choices=["no"]),
        }
        turn = make_turn(who.id, consultation_id=consultation.id, saved=saved)
        session = await store.commit(turn)
        await store.hide_text(session, "leviers_precision", NOW + dt.timedelta(hours=1))
        data = await store.participant_data(who.id)
        assert data is not None
        privacy = Privacy(store, [consultation], SECRET, channel=Channel.TELEGRAM)
        return privacy.document(data, reader, NOW)


async def test_answers_come_in_the_order_of_the_questions(tmp_path: Path) -> None:
    text = await data_file(tmp_path, None)
    questions = [line for line in text.splitlines() if line.startswith("• ")]
    steps = ("quartier", "profil", "age", "leviers_precision", "suivi")
    assert questions == [f"• {vivre_ensemble().step(step).text.fr}" for step in steps]


async def test_a_language_never_chosen_is_the_phone_s_not_a_dash(tmp_path: Path) -> None:
    text = await data_file(tmp_path, None)
    assert "Langue\u202f: non choisie (celle de votre téléphone)" in text
    assert "Langue\u202f: —" not in text


async def test_a_chosen_language_is_named(tmp_path: Path) -> None:
    assert "Langue\u202f: English" in await data_file(tmp_path, "en")
    assert "Language: français" in await data_file(tmp_path / "fr", "fr", reader="en")


async def test_a_text_staff_hid_is_shown_with_when_it_was_hidden(tmp_path: Path) -> None:
    french = await data_file(tmp_path, None)
    assert "  → La ludothèque\n  (texte retiré des synthèses de l'équipe le 01/03/2025 14:00)" in (
        french
    )
    english = await data_file(tmp_path / "en", None, reader="en")
    assert "(text taken out of the team's summaries on 2025-03-01 14:00)" in english


async def test_the_channel_is_said_in_words(tmp_path: Path) -> None:
    assert "Canal\u202f: Telegram" in await data_file(tmp_path, None)
    assert "Channel: Telegram" in await data_file(tmp_path / "en", None, reader="en")


async def test_coming_through_a_relay_s_link_is_in_the_file_without_the_relay_s_name(
    tmp_path: Path,
) -> None:
    text = await data_file(tmp_path, None, relay=True)
    assert "Venu·e par le lien d'un relais le\u202f: 01/03/2025 13:00" in text
    assert "Samia" not in text
    assert "relais" not in await data_file(tmp_path / "direct", None)
