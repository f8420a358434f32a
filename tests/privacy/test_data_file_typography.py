"""French typography in the /mesdonnees file and the relays' list: a narrow no-break space
before : ; ? ! », after «, as every other French text has (flows.typography), so a colon never
wraps alone onto a phone's next line; what a resident typed, and names staff gave, stay as
they were written, and English has none."""

from __future__ import annotations

import re
from pathlib import Path

from bot.privacy import Privacy
from bot.telegram.relay import relay_lines
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import Lang
from flows.state import Answer
from flows.typography import NNBSP
from storage.base import Channel
from storage.relays import Relay, RelayCounts
from storage.sqlite import SqliteStore
from tests.storage.helpers import NOW, make_turn

BREAKABLE = re.compile(r" [:;?!»]|« ")
TYPED = "Un lieu : la ludothèque ; ouverte le soir !"


async def data_file(tmp_path: Path, reader: Lang) -> str:
    consultation = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne"])
    async with SqliteStore(tmp_path / f"{reader}.sqlite3") as store:
        who = await store.participant("alice", NOW)
        saved = {
            "quartier": Answer(choices=["bourgogne"]),
            "age": Answer(skipped=True),
            "leviers_precision": Answer(text=TYPED),
        }
        await store.commit(make_turn(who.id, consultation_id=consultation.id, saved=saved))
        data = await store.participant_data(who.id)
        assert data is not None
        privacy = Privacy(store, [consultation], "a-secret-for-the-file", channel=Channel.TELEGRAM)
        return privacy.document(data, reader, NOW)


async def test_the_french_data_file_keeps_its_punctuation_on_the_line(tmp_path: Path) -> None:
    text = await data_file(tmp_path, "fr")
    own_words = f"  → {TYPED}"
    assert own_words in text.splitlines(), "the resident's words, exactly as typed"
    others = [line for line in text.splitlines() if line != own_words]
    assert [line for line in others if BREAKABLE.search(line)] == []
    assert f"Numéro anonyme{NNBSP}: " in text and f"Réponses{NNBSP}:" in text


async def test_the_english_data_file_has_no_french_spaces(tmp_path: Path) -> None:
    text = await data_file(tmp_path, "en")
    assert NNBSP not in text.replace(TYPED, "")
    assert "Anonymous number: " in text


def test_the_relay_list_line_keeps_its_colon_in_french_and_the_name_as_given() -> None:
    relay = Relay(1, "Asso « Les Amis » !", "code", True, True, NOW)
    counts = RelayCounts(reached=3, completed=2, assisted=1, paper=0)
    assert relay_lines([(relay, counts)], "fr") == [f"1. Asso « Les Amis » !{NNBSP}: 3 / 2 / 1 / 0"]
    assert relay_lines([(relay, counts)], "en") == ["1. Asso « Les Amis » !: 3 / 2 / 1 / 0"]
