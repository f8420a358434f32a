"""The French guides for relays and for the city's team name only what the bot has.

A relay or a staff member reads docs/guide-relais.md or docs/guide-equipe.md with the bot open
beside it: every /command a guide names must be one the bot answers for that reader, read from
the command menus the running bot sets (not from a list copied here), and every text a guide
quotes in « » (a button's label, a message) must be one the bot shows, read from the code's
own texts.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.relays.world import Clock, small_consultation
from tests.telegram.test_relay import RELAY, STAFF, RelayChat

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# Each guide, the menus its reader has, and the English reference it points to.
GUIDES = {
    "guide-relais.md": (("relay", "residents"), "relays.md"),
    "guide-equipe.md": (("staff",), "staff.md"),
}
# Where the bot's words are: every string literal of these packages, and the consultations.
CODE = ("bot", "flows", "digest", "storage")
# A /command in prose: not a path ("docs/staff.md"), a link or a fraction ("24 h/24").
COMMAND = re.compile(r"(?<![\w/.:-])/([A-Za-z_]+)\b")
QUOTE = re.compile(r"«([^«»]+)»")
FILL = "\x00"  # a template's placeholder, filled in when the bot speaks
LONGEST_FILL = 24  # a count, a name, "12 habitants": never a sentence


def words(text: str) -> str:
    """`text` with every run of spaces (narrow no-break ones, line breaks) as one space."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def _placeholders(text: str) -> str:
    """A str.format template's fields ("{n}", "{n:habitant|habitants}") as FILL."""
    return re.sub(r"\{[^{}]*\}", FILL, text)


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the docstring nodes of a module, its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _toml_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _toml_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _toml_strings(item)


def bot_texts() -> list[str]:
    """Every text the code can show, as templates: an f-string's or a format string's fields
    are FILL. Docstrings are left out: nobody reads them in the chat."""
    found: set[str] = set()
    for package in CODE:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            skipped = _docstrings(tree)
            inside: set[int] = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.JoinedStr):
                    parts = []
                    for part in node.values:
                        inside.add(id(part))
                        if isinstance(part, ast.Constant) and isinstance(part.value, str):
                            parts.append(_placeholders(part.value))
                        else:
                            parts.append(FILL)
                    found.add(words("".join(parts)))
                elif (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in skipped | inside
                ):
                    found.add(words(_placeholders(node.value)))
    for path in (ROOT / "flows" / "consultations").glob("*.toml"):
        found.update(words(text) for text in _toml_strings(tomllib.loads(path.read_text("utf-8"))))
    return sorted(found)


def fits(quote: str, template: str) -> bool:
    """Whether `quote` can be read in `template` once its fields are filled in.

    Each field takes at most LONGEST_FILL characters, and the template's own characters must
    be at least as many as the visible ones filled in: a template that is only fields
    ("{title}\\n{link}") does not vouch for any sentence.
    """
    if FILL not in template:
        return quote in template
    # state (index in template, length of the fill under way) -> best score so far, the
    # template's characters matched minus the visible characters filled in.
    states = {(index, 0): 0 for index in range(len(template) + 1)}
    for char in quote:
        states = _closed(states, template)
        following: dict[tuple[int, int], int] = {}
        for (index, run), score in states.items():
            if index == len(template):
                continue
            if template[index] == FILL:
                if run < LONGEST_FILL:
                    step, gained = (index, run + 1), score - (not char.isspace())
                else:
                    continue
            elif template[index] == char:
                step, gained = (index + 1, 0), score + 1
            else:
                continue
            following[step] = max(gained, following.get(step, gained))
        states = following
    return any(score >= 0 for score in states.values())


def _closed(states: dict[tuple[int, int], int], template: str) -> dict[tuple[int, int], int]:
    """`states` with each field that may end here ended (or left empty)."""
    closed = dict(states)
    for (index, _), score in states.items():
        while index < len(template) and template[index] == FILL:
            index += 1
            if closed.get((index, 0), score - 1) < score:
                closed[(index, 0)] = score
    return closed


def commands_named(text: str) -> set[str]:
    return set(COMMAND.findall(text))


def quotes(text: str) -> list[str]:
    return [words(quote) for quote in QUOTE.findall(text)]


def unknown_quotes(text: str, texts: list[str]) -> list[str]:
    """The quotes in `text` that no text of the bot holds."""
    return [quote for quote in quotes(text) if not any(fits(quote, t) for t in texts)]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return bot_texts()


@pytest.fixture
async def menus(tmp_path: Path) -> AsyncIterator[dict[str, set[str]]]:
    """The command menus the running bot sets: residents' (everyone's default), a relay's
    (set when they accept their invitation) and a staff member's (in private)."""
    async with RelayChat(tmp_path / "parole.sqlite3", [small_consultation()], Clock()) as chat:
        await chat.make_relay(RELAY)

        def menu(scope: dict[str, Any] | None = None) -> set[str]:
            return {name for name, _ in chat.api.commands(scope=scope)}

        yield {
            "residents": menu(),
            "relay": menu({"type": "chat", "chat_id": RELAY.id}),
            "staff": menu({"type": "chat", "chat_id": STAFF.id}),
        }


def guide(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", GUIDES)
async def test_every_command_a_guide_names_is_one_its_reader_has(
    name: str, menus: dict[str, set[str]]
):
    audiences, _ = GUIDES[name]
    theirs = set[str]().union(*(menus[audience] for audience in audiences))
    named = commands_named(guide(name))
    assert len(named) >= 6, named
    assert named - theirs == set()


@pytest.mark.parametrize("name", GUIDES)
def test_every_text_a_guide_quotes_is_one_the_bot_shows(name: str, texts: list[str]):
    quoted = quotes(guide(name))
    assert len(quoted) >= 10, quoted
    assert unknown_quotes(guide(name), texts) == []


@pytest.mark.parametrize("name", GUIDES)
def test_each_guide_points_to_its_english_reference(name: str):
    _, reference = GUIDES[name]
    assert f"]({reference})" in guide(name)


async def test_a_command_the_reader_lacks_is_caught(menus: dict[str, set[str]]):
    # A resident command is fine in the relays' guide; a staff command is not.
    named = commands_named("Tapez /bilan, puis /oubli, puis /relais_nouveau Nom.")
    assert named - (menus["relay"] | menus["residents"]) == {"relais_nouveau"}
    assert "monlien" not in menus["staff"]


def test_a_label_the_bot_lacks_is_caught(texts: list[str]):
    text = (
        "Touchez « ➕ Nouvelle saisie », puis « 📤 Envoyer à 12 habitants » ou « ⬇️ Les 10 "
        "suivants ». Mais « ➕ Nouvelle fiche », « Envoyer le questionnaire à 12 habitants » "
        "et « Vivre ensemble https://t.me/parole_bot » ne sont pas dans le bot."
    )
    assert unknown_quotes(text, texts) == [
        "➕ Nouvelle fiche",
        "Envoyer le questionnaire à 12 habitants",
        "Vivre ensemble https://t.me/parole_bot",
    ]
