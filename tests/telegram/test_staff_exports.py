"""/export and a digest's exports as staff get them: named and captioned after what they
hold, and, past Telegram's upload limit, advice that works."""

from __future__ import annotations

import pytest

from bot.telegram import staff
from tests.telegram.test_staff import STAFF, TUESDAY, StaffChat, chat, uploads

__all__ = ["chat"]  # the staff chat fixture, shared


async def test_an_export_says_it_holds_every_answer_until_now(chat: StaffChat):
    chat.api.send_text(STAFF, "/export")
    await chat.deliver()
    [message] = [m for m in chat.api.messages(STAFF.id) if m.kind == "document"]
    [document] = uploads([message], "document")
    assert document.filename == f"vivre-ensemble-reponses-au-{TUESDAY.date().isoformat()}.csv"
    assert message.text.endswith(  # the caption
        "toutes les réponses depuis l'ouverture, au mar. 24/11/2026 10:00 (CSV)"
    )


async def test_a_csv_too_big_for_telegram_points_to_the_lighter_xlsx(
    chat: StaffChat, monkeypatch: pytest.MonkeyPatch
):
    # 100,000 residents: a 56 MB CSV, over the 50 MB a bot may send, but a 10 MB XLSX.
    monkeypatch.setattr(staff, "UPLOAD_LIMIT", 100)
    chat.api.send_text(STAFF, "/export")
    await chat.deliver()
    said = chat.api.messages(STAFF.id)[-1]
    assert said.kind == "text"
    assert "trop lourd pour Telegram" in said.text
    assert said.text.endswith(
        "Le même export en XLSX est bien plus léger\u202f: /export xlsx vivre-ensemble"
    )
    assert "parole export" not in said.text


async def test_an_xlsx_too_big_for_telegram_is_made_on_the_server(
    chat: StaffChat, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(staff, "UPLOAD_LIMIT", 100)
    chat.api.send_text(STAFF, "/export xlsx")
    await chat.deliver()
    said = chat.api.messages(STAFF.id)[-1]
    name = f"vivre-ensemble-reponses-au-{TUESDAY.date().isoformat()}.xlsx"
    assert said.text.endswith(
        f"parole export --format xlsx --consultation vivre-ensemble --out {name}"
    )
    assert "/export xlsx" not in said.text
