"""A consultation file's mistakes as its author reads them: French first, then English, each
naming the place in the file (a step by its rank and id) and what to write instead."""

from __future__ import annotations

from typing import NamedTuple

# The languages' names inside the authors' messages, in each message's own language.
LANGUAGE_NAMES_FR = {"fr": "français", "en": "anglais"}
LANGUAGE_NAMES_EN = {"fr": "French", "en": "English"}


class Bilingual(NamedTuple):
    """A place in a consultation file, or a mistake there, in French and in English."""

    fr: str
    en: str

    def __str__(self) -> str:
        return f"{self.fr} / {self.en}"

    def at(self, where: Bilingual) -> Bilingual:
        """This mistake, said of `where`."""
        return Bilingual(f"{where.fr} : {self.fr}", f"{where.en}: {self.en}")

    def key(self, name: str) -> Bilingual:
        """The key `name` at this place ("étape 2 (id « q2 »), show_if")."""
        return Bilingual(f"{self.fr}, {name}", f"{self.en}, {name}")


class BilingualError(ValueError):
    """A validator's refusal in both languages; pydantic keeps it in the error's context,
    where the loader finds it. Its plain text is the English, one line per mistake."""

    def __init__(self, *mistakes: Bilingual) -> None:
        self.mistakes = mistakes
        super().__init__("\n".join(mistake.en for mistake in mistakes))


def describe_step(index: int, step_id: str) -> Bilingual:
    """A step as an author finds it in the file: its rank among the [[steps]] and its id."""
    return Bilingual(f"étape {index + 1} (id « {step_id} »)", f"step {index + 1} (id '{step_id}')")


def one_of(values: list[str]) -> Bilingual:
    """What to write instead: one of `values`."""
    listed = ", ".join(values)
    return Bilingual(f"utilisez l'un de {listed}", f"use one of {listed}")
