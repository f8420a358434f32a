"""`parole chat` in-process: a scripted resident types lines, the test reads what was shown."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.console import CONSOLE_HELP, chat
from bot.conversation import Conversations
from flows.model import ChoiceStepBase, Consultation, Lang
from flows.state import Answer
from flows.texts import say
from storage.base import Channel, ExportedSession, Status, StoredSession
from storage.sqlite import SqliteStore

QUARTIERS = ["Bourgogne", "Pont-Rompu"]
SECRET = "secret-for-tests-123456"
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)  # the consultation is open
ACCOUNT = "alice"
BUTTON = re.compile(r"^  (\d+)\. (.*)$")


class Terminal:
    """A resident at a terminal: types `lines` in turn, then ends the input (Ctrl-D)."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = list(lines)
        self.typed = 0
        self.prompts: list[str] = []
        # screens[i] is everything shown before the resident typed lines[i]; the last one is
        # what was on screen when the input ended.
        self.screens: list[str] = []
        self._shown: list[str] = []

    async def ask(self, prompt: str) -> str | None:
        self.prompts.append(prompt)
        self.screens.append("\n".join(self._shown))
        self._shown = []
        if self.typed == len(self.lines):
            return None
        self.typed += 1
        return self.lines[self.typed - 1]

    def tell(self, text: str) -> None:
        self._shown.append(text)

    @property
    def last(self) -> str:
        """The screen shown when the input ended (or before the resident quit)."""
        return self.screens[-1]

    @property
    def farewell(self) -> str:
        """What was shown after the last prompt."""
        return "\n".join(self._shown)


def buttons(screen: str) -> dict[str, int]:
    """The numbered buttons of a screen, by label."""
    found = {}
    for line in screen.splitlines():
        match = BUTTON.match(line)
        if match:
            found[match.group(2)] = int(match.group(1))
    return found


def notice(key: str, lang: Lang = "fr", **values: object) -> str:
    """How the console shows a problem with the last input."""
    return f"⚠️  {say(key, lang, **values)}"


def asked(c: Consultation) -> list[str]:
    """The questions the console asks: all but the follow-up one (no chat to send news to)."""
    return [step.id for step in c.questions() if step.id not in c.follow_up_steps()]


def heading(c: Consultation, step_id: str, lang: Lang = "fr") -> str:
    """The top of a question screen: its progress line and its question."""
    questions = asked(c)
    progress = say("progress", lang, n=questions.index(step_id) + 1, total=len(questions))
    return f"[{progress}]\n{c.step(step_id).text.get(lang)}"


def validate(c: Consultation, step_id: str) -> str:
    """The number of the "Valider" button of a multiple choice: right after its options."""
    step = c.step(step_id)
    assert isinstance(step, ChoiceStepBase)
    return str(len(step.codes()) + 1)


def label(c: Consultation, step_id: str, code: str) -> str:
    step = c.step(step_id)
    assert isinstance(step, ChoiceStepBase)
    return next(o.label.fr for o in step.options if o.code == code)


@asynccontextmanager
async def opened(database: Path, c: Consultation) -> AsyncIterator[Conversations]:
    """Conversations over an open SQLite store, closed afterwards (a run of `parole chat`)."""
    store = SqliteStore(database)
    await store.open()
    try:
        yield Conversations(store, [c], SECRET, channel=Channel.CONSOLE, clock=lambda: NOW)
    finally:
        await store.close()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "parole.sqlite3"


async def talk(
    conversations: Conversations, lines: Sequence[str], lang: Lang = "fr", account: str = ACCOUNT
) -> Terminal:
    terminal = Terminal(lines)
    await chat(conversations, account, terminal.ask, terminal.tell, lang)
    return terminal


async def current(conversations: Conversations, account: str = ACCOUNT) -> StoredSession:
    who = await conversations.participant(account)
    assert who.current_session_id is not None
    session = await conversations.store.session(who.current_session_id)
    assert session is not None
    return session


async def exported(conversations: Conversations) -> list[ExportedSession]:
    return [session async for session in conversations.store.export()]


def to_free_text(c: Consultation) -> list[str]:
    """Lines that lead to the first free-text question, "leviers_precision" (question 7)."""
    return [
        "1",  # J'accepte
        "1",  # quartier
        "1",  # profil
        "1",  # age
        "1",
        validate(c, "publics"),
        "1",
        validate(c, "besoins"),
        "1",
        validate(c, "leviers"),
    ]


# -- the whole journey ---------------------------------------------------------------------


async def test_a_whole_journey_by_numbers_is_thanked_and_stored(
    conversations: Conversations, consultation: Consultation
):
    c = consultation
    assert len(asked(c)) == 11
    lines = [
        "1",  # ✅ J'accepte
        "2",  # quartier: Pont-Rompu
        "1",  # profil: J'y habite
        "/passer",  # age is optional
        "1",  # publics: handicap on
        "4",  # isolés on
        "1",  # handicap off again
        "2",  # femmes on
        validate(c, "publics"),
        "3",  # besoins: espace public
        validate(c, "besoins"),
        "5",  # leviers: solidarité
        "9",  # attachement
        validate(c, "leviers"),
        "La maison de quartier, le samedi",
        "1",  # freins: stigmatisation
        validate(c, "freins"),
        "/passer",  # freins_precision is optional
        "1",  # objectifs: up to 3
        "2",
        "3",
        validate(c, "objectifs"),
        "Des jardins partagés",  # the last question: the follow-up one is not asked
    ]
    terminal = await talk(conversations, lines)

    first = terminal.screens[0]
    assert first.startswith(CONSOLE_HELP["fr"])
    assert c.title.fr in first and c.welcome.fr in first
    assert buttons(first) == {
        say("accept", "fr"): 1,
        say("decline", "fr"): 2,
        say("other_language", "fr"): 3,
    }

    # Every question came in order, numbered 1/11 to 11/11.
    seen = [
        next(i for i, screen in enumerate(terminal.screens) if heading(c, step) in screen)
        for step in asked(c)
    ]
    assert seen == sorted(seen)

    # The numbers typed meant the buttons shown.
    quartier = terminal.screens[1]
    assert heading(c, "quartier") in quartier
    assert buttons(quartier)["Pont-Rompu"] == 2
    before_validate = terminal.screens[lines.index(validate(c, "publics"))]
    shown = buttons(before_validate)
    assert shown[say("selected", "fr", label=label(c, "publics", "femmes"))] == 2
    assert shown[say("selected", "fr", label=label(c, "publics", "isoles"))] == 4
    assert shown[say("unselected", "fr", label=label(c, "publics", "handicap"))] == 1
    assert shown[say("validate_count", "fr", n=2)] == int(validate(c, "publics"))
    assert buttons(terminal.screens[3])[say("skip", "fr")] > 0  # age offers "Passer"

    # The end: the consultation's thanks, what can still be done here, then the goodbye
    # when the input ends.
    assert terminal.last.endswith(f"{c.thanks.fr}\n\n{say('console_done', 'fr')}")
    assert buttons(terminal.last) == {}
    assert terminal.farewell == say("goodbye_done", "fr")

    sessions = await exported(conversations)
    assert len(sessions) == 1
    session = sessions[0]
    assert session.consultation_id == "vivre-ensemble"
    assert session.channel is Channel.CONSOLE
    assert session.status is Status.COMPLETED
    assert session.completed_at is not None
    assert session.answers == {
        "quartier": Answer(choices=["pont-rompu"]),
        "profil": Answer(choices=["habitant"]),
        "age": Answer(skipped=True),
        "publics": Answer(choices=["femmes", "isoles"]),
        "besoins": Answer(choices=["espace-public"]),
        "leviers": Answer(choices=["solidarite", "attachement"]),
        "leviers_precision": Answer(text="La maison de quartier, le samedi"),
        "freins": Answer(choices=["stigmatisation"]),
        "freins_precision": Answer(skipped=True),
        "objectifs": Answer(choices=["convivialite", "culture", "ouverture"]),
        "proposition": Answer(text="Des jardins partagés"),
    }

    # Coming back after the end: already answered, nothing more is asked.
    again = await talk(conversations, [])
    assert say("already_done", "fr") in again.last


async def test_declining_stores_nothing(conversations: Conversations):
    terminal = await talk(conversations, ["2"])  # Non merci
    assert say("declined", "fr") in terminal.last
    assert await exported(conversations) == []


# -- moving around -------------------------------------------------------------------------


async def test_retour_goes_back_one_question(
    conversations: Conversations, consultation: Consultation
):
    c = consultation
    terminal = await talk(conversations, ["1", "1", "/retour", "1", "/retour", "/retour"])
    screens = terminal.screens
    assert heading(c, "profil") in screens[2]
    assert heading(c, "quartier") in screens[3]  # /retour
    assert notice("first_question") not in screens[3]
    assert heading(c, "profil") in screens[4]  # answered again
    assert heading(c, "quartier") in screens[5]  # /retour
    assert heading(c, "quartier") in screens[6]  # /retour on the first question: stays
    assert notice("first_question") in screens[6]
    session = await current(conversations)
    assert session.state.step_id == "quartier"
    assert session.state.answers["quartier"] == Answer(choices=["bourgogne"])


async def test_the_back_button_by_its_number(
    conversations: Conversations, consultation: Consultation
):
    c = consultation
    first = await talk(conversations, ["1", "1"])
    back = buttons(first.last)[say("back", "fr")]
    terminal = await talk(conversations, ["1", str(back)])  # resume, then back
    assert heading(c, "quartier") in terminal.last


async def test_stopping_then_chatting_again_resumes_at_the_same_question(
    database: Path, consultation: Consultation
):
    c = consultation
    async with opened(database, c) as conversations:
        first = await talk(conversations, ["1", "2", "1"])  # consent, quartier, profil
    assert heading(c, "age") in first.last
    assert first.farewell == say("goodbye", "fr")

    # A new run of the program on the same database.
    async with opened(database, c) as conversations:
        second = await talk(conversations, ["1"])
    menu = second.screens[0]
    assert say("resume_or_restart", "fr", title=c.title.fr, answered=2) in menu
    assert buttons(menu) == {say("resume", "fr"): 1, say("restart", "fr"): 2}
    assert heading(c, "age") in second.last


async def test_recommencer_asks_then_starts_again_from_the_first_question(
    conversations: Conversations, consultation: Consultation
):
    c = consultation
    await talk(conversations, ["1", "2", "1"])
    terminal = await talk(conversations, ["2", "1"])  # 🔄 Recommencer, then 🔄 Oui
    asked = terminal.screens[1]
    assert say("restart_confirm", "fr", answered=2) in asked
    assert buttons(asked) == {say("restart_yes", "fr"): 1, say("restart_no", "fr"): 2}
    assert heading(c, "quartier") in terminal.last
    assert (await current(conversations)).state.answers == {}


async def test_declining_to_start_again_keeps_every_answer(
    conversations: Conversations, consultation: Consultation
):
    c = consultation
    await talk(conversations, ["1", "2", "1"])
    terminal = await talk(conversations, ["2", "2"])  # 🔄 Recommencer, then ▶️ Non
    assert heading(c, "age") in terminal.last
    assert (await current(conversations)).state.answers.keys() == {"quartier", "profil"}


async def test_start_offers_the_resume_menu_and_reprendre_shows_the_question(
    conversations: Conversations, consultation: Consultation
):
    c = consultation
    terminal = await talk(conversations, ["1", "1", "/start", "/reprendre"])
    assert say("resume_or_restart", "fr", title=c.title.fr, answered=1) in terminal.screens[3]
    assert heading(c, "profil") in terminal.screens[4]


async def test_reprendre_without_a_session_says_so(conversations: Conversations):
    terminal = await talk(conversations, ["/reprendre"])
    assert say("nothing_to_resume", "fr") in terminal.last


async def test_quitter_stops_without_reading_further(conversations: Conversations):
    terminal = await talk(conversations, ["1", "/quitter", "1"])
    assert terminal.typed == 2
    assert terminal.farewell == say("goodbye", "fr")


async def test_quitting_at_the_welcome_does_not_offer_to_resume(conversations: Conversations):
    terminal = await talk(conversations, ["/quitter"])
    assert terminal.farewell == say("goodbye_not_started", "fr")
    assert "/reprendre" not in terminal.farewell
    assert await exported(conversations) == []


async def test_quitting_after_declining_says_nothing_was_recorded(conversations: Conversations):
    terminal = await talk(conversations, ["2"])  # "Non merci" on the welcome
    assert say("declined", "fr") in terminal.last
    assert terminal.farewell == say("goodbye_not_started", "fr")
    assert await exported(conversations) == []


# -- what the resident types ---------------------------------------------------------------


@pytest.mark.parametrize("typed", ["n'importe quoi", "99", "0", "⁹"])
async def test_nonsense_on_a_choice_step_asks_for_a_button(
    conversations: Conversations, consultation: Consultation, typed: str
):
    # "⁹" is a digit Python's int() refuses: it once crashed the chat.
    terminal = await talk(conversations, ["1", typed])
    assert notice("use_buttons") in terminal.last
    assert heading(consultation, "quartier") in terminal.last
    assert (await current(conversations)).state.answers == {}


async def test_passer_on_a_required_question_is_refused(
    conversations: Conversations, consultation: Consultation
):
    terminal = await talk(conversations, ["1", "/passer"])
    assert notice("required") in terminal.last
    assert heading(consultation, "quartier") in terminal.last


async def test_a_label_typed_in_full_picks_it(
    conversations: Conversations, consultation: Consultation
):
    await talk(conversations, ["1", "pont-rompu"])
    assert (await current(conversations)).state.answers["quartier"] == Answer(
        choices=["pont-rompu"]
    )


async def test_a_number_on_a_free_text_question_is_the_answer(
    conversations: Conversations, consultation: Consultation
):
    c = consultation
    terminal = await talk(conversations, [*to_free_text(c), "3"])
    assert heading(c, "leviers_precision") in terminal.screens[-2]
    assert heading(c, "freins") in terminal.last
    answers = (await current(conversations)).state.answers
    assert answers["leviers_precision"] == Answer(text="3")


async def test_back_to_a_text_shows_it_and_typing_garder_keeps_it(
    conversations: Conversations, consultation: Consultation
):
    c = consultation
    lines = [*to_free_text(c), "Le centre social", "/retour", "garder"]
    terminal = await talk(conversations, lines)
    again = terminal.screens[-2]
    assert heading(c, "leviers_precision") in again
    assert say("current_answer", "fr", answer="Le centre social") in again
    # A number typed here would be the answer: the buttons are listed without one.
    assert f"  · {say('keep', 'fr')}" in again and buttons(again) == {}
    assert heading(c, "freins") in terminal.last
    answers = (await current(conversations)).state.answers
    assert answers["leviers_precision"] == Answer(text="Le centre social")


async def test_a_number_after_autre_is_the_text_of_autre(
    conversations: Conversations, consultation: Consultation
):
    c = consultation
    autre = buttons((await talk(conversations, ["1"])).last)[say("other", "fr")]
    terminal = await talk(conversations, ["1", str(autre), "1"])  # resume, Autre…, "1"
    assert say("other_prompt", "fr") in terminal.screens[2]
    assert heading(c, "profil") in terminal.last
    answers = (await current(conversations)).state.answers
    assert answers["quartier"] == Answer(choices=["autre"], text="1")


async def test_an_unknown_command_shows_the_help_and_is_not_an_answer(
    conversations: Conversations, consultation: Consultation
):
    c = consultation
    terminal = await talk(conversations, [*to_free_text(c), "/merci"])
    assert f"» {say('console_help', 'fr')}" in terminal.last
    assert heading(c, "leviers_precision") in terminal.last
    assert "leviers_precision" not in (await current(conversations)).state.answers


async def test_aide_shows_the_help_above_the_same_question(
    conversations: Conversations, consultation: Consultation
):
    terminal = await talk(conversations, ["1", "/aide"])
    screen = terminal.last
    assert (
        0
        <= screen.index(f"» {say('console_help', 'fr')}")
        < screen.index(heading(consultation, "quartier"))
    )


async def test_every_command_the_help_names_works_in_the_terminal(
    conversations: Conversations,
):
    # The terminal's help names only commands it has: none of them answers with the help.
    helped = say("console_help", "fr")
    named = [word for word in helped.split() if word.startswith("/")]
    assert {"/start", "/reprendre", "/langue", "/retour", "/passer", "/quitter"} <= set(named)
    for command in named:
        if command in ("/aide", "/quitter"):
            continue
        terminal = await talk(conversations, ["1", "1", command])
        assert f"» {helped}" not in terminal.last, command
        assert f"» {say('console_help', 'en')}" not in terminal.last, command


# -- language ------------------------------------------------------------------------------


async def test_langue_switches_to_english_and_is_remembered(
    database: Path, consultation: Consultation
):
    c = consultation
    async with opened(database, c) as conversations:
        terminal = await talk(conversations, ["1", "/langue", "/aide"])
    switched = terminal.screens[2]
    assert f"» {say('language_set', 'en')}" in switched
    assert heading(c, "quartier", "en") in switched
    assert "(Type the number of one answer.)" in switched
    assert {"I'd rather not say", say("other", "en")} <= set(buttons(switched))
    assert f"» {say('console_help', 'en')}" in terminal.last
    assert terminal.farewell == say("goodbye", "en")

    # The next run speaks English though it was started in French.
    async with opened(database, c) as conversations:
        again = await talk(conversations, [], lang="fr")
    assert again.screens[0].startswith(CONSOLE_HELP["en"])
    assert say("resume_or_restart", "en", title=c.title.en, answered=0) in again.last


async def test_langue_with_a_language_chooses_it(
    conversations: Conversations, consultation: Consultation
):
    c = consultation
    terminal = await talk(conversations, ["1", "/langue fr", "/langue en", "/langue en"])
    assert heading(c, "quartier", "fr") in terminal.screens[2]
    assert heading(c, "quartier", "en") in terminal.screens[3]
    assert heading(c, "quartier", "en") in terminal.screens[4]  # not toggled back


async def test_english_from_the_start(conversations: Conversations, consultation: Consultation):
    terminal = await talk(conversations, ["1"], lang="en")
    assert consultation.welcome.en in terminal.screens[0]
    assert heading(consultation, "quartier", "en") in terminal.last
