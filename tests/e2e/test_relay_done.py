"""Issue "relays", done means: a relay invited by staff shares a QR code on a flyer; residents
who scan it are counted for them; the relay enters two door-to-door answers and one paper
form; /bilan and the digest show all of it, and no relay can see what anyone answered.

The real application runs in-process over the fake Bot API; the paper form and the digest go
through the `parole` command line on the same database, as staff would use them.
"""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from bot.cli import main
from flows import paper
from flows.texts import say
from tests.fakebotapi import FakeUser, UploadedFile
from tests.relays.world import CONSULTATIONS, Clock, small_consultation
from tests.telegram.test_relay import AGREE, RELAY, STAFF, RelayChat

RESIDENTS = [FakeUser(id=900_000 + n, first_name=f"Habitant {n}") for n in range(6)]


@pytest.mark.timeout(120)
async def test_done_means(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    database = tmp_path / "parole.sqlite3"
    consultation = small_consultation()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\npath = "{database}"\n[consultation]\ndirectory = "{CONSULTATIONS}"\n',
        encoding="utf-8",
    )
    async with RelayChat(database, [consultation], Clock()) as chat:
        # Staff invite the relay; the relay opens the invitation.
        await chat.make_relay(RELAY, "Adultes-relais Bourgogne")

        # The relay's flyer: the QR code is all residents get.
        await chat.send(RELAY, "/monlien")
        flyer = chat.last(RELAY)
        assert isinstance(flyer.file, UploadedFile)
        [scanned] = zxingcpp.read_barcodes(Image.open(io.BytesIO(flyer.file.content)))
        payload = re.sub(r"^.*\?start=", "", scanned.text)

        # Six residents scan it; four answer everything, two only look.
        for resident in RESIDENTS:
            await chat.send(resident, f"/start {payload}")
        for resident in RESIDENTS[:4]:
            await chat.click(resident, say("accept", "fr"))
            await chat.answer_all(resident)

        # Two door-to-door entries, chained.
        await chat.send(RELAY, "/saisie")
        await chat.click(RELAY, AGREE)
        await chat.answer_all(RELAY)
        await chat.click(RELAY, "➕ Nouvelle saisie")
        await chat.click(RELAY, AGREE)
        await chat.answer_all(RELAY)

        # One paper form, typed in by staff for the relay.
        form = tmp_path / "papier.csv"
        cells = {"quartier": "pont", "publics": "jeunes,autre", "publics_autre": "les voisins"}
        form.write_text(
            paper.filled_csv(consultation, [{**cells, "precision": "Un city-stade", "note": "3"}]),
            encoding="utf-8",
        )
        command = ["--config", str(config), "import", str(form), "--relay", "1"]
        assert await asyncio.to_thread(main, command) == 0  # the CLI runs its own event loop

        report = (await chat.send(RELAY, "/bilan")).text
        assert "Personnes venues par votre lien\u202f: 6 cette semaine, 6 en tout" in report
        assert (
            "Questionnaires terminés par ces personnes\u202f: 4 cette semaine, 4 en tout" in report
        )
        assert "Saisies accompagnées\u202f: 2 cette semaine, 2 en tout" in report
        assert "Questionnaires papier\u202f: 1 cette semaine, 1 en tout" in report
        listed = (await chat.send(STAFF, "/relais")).text
        assert "1. Adultes-relais Bourgogne\u202f: 6 / 4 / 2 / 1" in listed

        # Nothing a relay received says what anyone answered.
        # French texts put a narrow no-break space before ":", compared here as a space.
        seen = "\n".join(message.text for message in chat.api.messages(RELAY.id))
        seen = seen.replace("\u202f", " ")
        for answer in ("les voisins", "city-stade", "Pont-Rompu : ", "Les femmes :"):
            assert answer not in seen

    capsys.readouterr()
    command = ["--config", str(config), "digest", "--since", "2026-11-01", "--until", "2026-11-30"]
    assert await asyncio.to_thread(main, command) == 0
    digest = capsys.readouterr().out
    assert "Par relais" in digest and "Adultes-relais Bourgogne" in digest
    assert "Saisie par un relais" in digest and "Questionnaire papier" in digest
