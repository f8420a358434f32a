"""The /mesdonnees file as a resident reads it: questions in the order they were asked, and
the language said in words."""

from __future__ import annotations

from pathlib import Path

from bot.privacy import Privacy
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import Lang
from flows.state import Answer
from storage.base import Channel
from storage.sqlite import SqliteStore
from tests.storage.helpers import NOW, make_turn

SECRET = "a-secret-for-the-data-file"


async def data_file(tmp_path: Path, lang: Lang | None, reader: Lang = "fr") -> str:
    """The file of a resident who answered a few questions in one turn, in `reader`'s language."""
    consultation = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])
    async with SqliteStore(tmp_path / "db.sqlite3") as store:
        who = await store.participant("alice", NOW)
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
        await store.commit(turn)
        data = await store.participant_data(who.id)
        assert data is not None
        privacy = Privacy(store, [consultation], SECRET, channel=Channel.TELEGRAM)
        return privacy.document(data, reader, NOW)


async def test_answers_come_in_the_order_of_the_questions(tmp_path: Path) -> None:
    text = await data_file(tmp_path, None)
    questions = [line for line in text.splitlines() if line.startswith("• ")]
    assert questions == [
        "• Quel est votre quartier ?",
        "• Quel est votre lien avec ce quartier ?",
        "• Quel âge avez-vous ?",
        "• Avez-vous un exemple de ce qui aide dans votre quartier : un lieu, une "
        "association, un événement ?",
        "• Voulez-vous être informé·e de ce que la ville fera de vos réponses ?",
    ]


async def test_a_language_never_chosen_is_the_phone_s_not_a_dash(tmp_path: Path) -> None:
    text = await data_file(tmp_path, None)
    assert "Langue : non choisie (celle de votre téléphone)" in text
    assert "Langue : —" not in text


async def test_a_chosen_language_is_named(tmp_path: Path) -> None:
    assert "Langue : English" in await data_file(tmp_path, "en")
    assert "Language: français" in await data_file(tmp_path / "fr", "fr", reader="en")
