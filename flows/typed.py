"""Reading what a resident types instead of pressing a button.

The words that stand for a button ("valider", "passer", "je sais pas"…), for consent and for
yes or no, greetings, an option named by its number, its label or a near miss ("bourgone"
for "Bourgogne"), several numbers typed together ("2, 4 et 6"), and a free text made fit to
store. The engine decides what the words do; this module only says what they name.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from typing import Final

from flows.events import Accept, Back, Decline, Event, Keep, Skip, Validate
from flows.model import NO, YES, Lang, ScaleStep, Step, YesNoStep
from flows.texts import say

# Words a resident may type for the buttons around the options, in either language (folded:
# lower case, no accents, letters only). They act only when the screen shows that button.
TYPED_BUTTONS: Final[dict[str, type[Event]]] = {
    "valider": Validate,
    "confirmer": Validate,
    "confirm": Validate,
    "ok": Validate,
    "passer": Skip,
    "skip": Skip,
    "effacer et passer": Skip,
    "erase and skip": Skip,
    "retour": Back,
    "back": Back,
    "garder": Keep,
    "keep": Keep,
    "garder ma reponse": Keep,
    "keep my answer": Keep,
    "garder ce texte": Keep,
    "keep this text": Keep,
    # "I don't know" skips a question that can be skipped (where "Passer" is shown).
    "je sais pas": Skip,
    "je ne sais pas": Skip,
    "sais pas": Skip,
    "jsp": Skip,
    "i don t know": Skip,
    "i dont know": Skip,
    "don t know": Skip,
    "dont know": Skip,
    "idk": Skip,
}
TYPED_BUTTON_MAX: Final = 30  # longer messages are answers, never a button's word
_WORDS: Final = re.compile(r"[^\W\d_]+")
# A message made only of these words greets the bot (a resident back after a while): it
# shows where they were, and is never taken as an answer, not even to a free-text question.
GREETINGS: Final = frozenset(
    {"bonjour", "bonsoir", "salut", "coucou", "bjr", "slt", "hello", "hi", "hey", "re"}
    | {"salam", "salem", "selam", "merhaba", "buna", "ziua", "good", "morning", "evening"}
)
# Other ways to say yes or no at a yes/no question, beyond its buttons' words.
YES_NO_WORDS: Final = {
    "ouais": YES,
    "ouai": YES,
    "yep": YES,
    "yeah": YES,
    "d accord": YES,
    "nan": NO,
    "nope": NO,
}
# At the welcome, what a resident may type to take part or not: its buttons' words and the
# plain ways to say yes or no (many type rather than tap). Nothing else counts as consent.
CONSENT_WORDS: Final[dict[str, type[Accept | Decline]]] = {
    **dict.fromkeys(
        ["j accepte", "accepte", "i agree", "agree", "oui", "yes", "ok", "okay", "d accord"],
        Accept,
    ),
    **dict.fromkeys(["ouais", "ouai", "yep", "yeah", "je veux bien"], Accept),
    **dict.fromkeys(["non merci", "no thanks", "non", "no", "nan", "nope"], Decline),
}
# How close a typed word must be to an option's label to be read as it (difflib's ratio):
# "bourgone" for "Bourgogne" (0.94), not "non" for "oui". The recap shows how it was read.
CLOSE_ENOUGH: Final = 0.8
_NUMBERS: Final = re.compile(r"\d+(?:(?:\s*[,;/+&]\s*|\s+(?:et|and)\s+|\s+)\d+)+")


def button_word(text: str) -> type[Event] | None:
    """The kind of button a typed word names ("valider", "passer", "retour"…), if any."""
    return TYPED_BUTTONS.get(_words(text))


def consent_event(text: str) -> Accept | Decline | None:
    """Agreeing or declining, if a text typed at the welcome says so."""
    if len(text) > TYPED_BUTTON_MAX:
        return None
    wanted = CONSENT_WORDS.get(_words(text))
    return wanted() if wanted is not None else None


def greets(text: str) -> bool:
    """Whether `text` only says hello ("Bonjour !", "salut 👋")."""
    words = re.findall(r"\w+", _fold(text))
    return bool(words) and all(word in GREETINGS for word in words)


def option_named(
    step: Step,
    typed: str,
    codes: tuple[str, ...],
    label: Callable[[str, Lang], str],
    langs: tuple[Lang, Lang],
) -> str | None:
    """The option of `codes` a typed message names: its number in the list, or its label
    (`label(code, lang)`, in the resident's language then the other of `langs`, punctuation
    aside), else the one label it is close to or part of."""
    wanted = _fold(typed)
    if isinstance(step, ScaleStep):
        return wanted if wanted in codes else None
    if wanted.isdecimal() and 1 <= int(wanted) <= len(codes):
        return codes[int(wanted) - 1]
    key = _key(typed)
    labels = {code: [_key(label(code, x)) for x in langs] for code in codes}
    for index in (0, 1):
        for code in codes:
            if labels[code][index] == key:
                return code
    if isinstance(step, YesNoStep):
        return YES_NO_WORDS.get(key)
    if len(key) < 4:
        return None
    close = [
        code
        for code in codes
        if difflib.SequenceMatcher(None, key, labels[code][0]).ratio() >= CLOSE_ENOUGH
    ]
    if len(close) == 1:
        return close[0]
    # A label's own words ("femmes" for "Les femmes"), if only one label has them.
    within = [code for code in codes if f" {key} " in f" {labels[code][0]} "]
    return within[0] if len(within) == 1 else None


def options_numbered(typed: str, codes: tuple[str, ...]) -> list[str]:
    """The options of `codes` that numbers typed together name ("1, 4", "2 et 5"), if all
    exist."""
    if not _NUMBERS.fullmatch(_fold(typed)):
        return []
    numbers = [int(n) for n in re.findall(r"\d+", typed)]
    if not all(1 <= n <= len(codes) for n in numbers):
        return []
    return list(dict.fromkeys(codes[n - 1] for n in numbers))


def cleaned_text(raw: str, limit: int, lang: Lang) -> tuple[str, str | None]:
    """A typed answer as it is stored, and what is wrong with it if anything (empty, too
    long)."""
    text = _storable(raw).strip()
    if not text:
        return text, say("empty_text", lang)
    if len(text) > limit:
        return text, say("too_long", lang, n=len(text), max=limit)
    return text, None


def _fold(text: str) -> str:
    """Lower case without accents, so "Femmes" and "femmes" and "fémmes" match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> str:
    """`text` folded to its letters' words, as `TYPED_BUTTONS` and `CONSENT_WORDS` list them."""
    return " ".join(_WORDS.findall(_fold(text)))


def _key(text: str) -> str:
    """`text` folded to its words, so "pont rompu" names "Pont-Rompu" and "autre" "Autre…"."""
    return " ".join(re.findall(r"\w+", _fold(text)))


def _storable(text: str) -> str:
    """`text` as it can be stored and shown again.

    An unpaired UTF-16 surrogate (Telegram's JSON can carry one, UTF-8 cannot encode it)
    becomes "�"; control characters other than line feeds and tabs are dropped.
    """
    repaired = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return "".join(c for c in repaired if c in "\n\t" or unicodedata.category(c) != "Cc")
