"""Beaten at a game is not a disclosure; a brother or an uncle hitting someone is one."""

from __future__ import annotations

import pytest

from flows.safeguarding import Category, detect


@pytest.mark.parametrize(
    "text",
    [
        "mon fils me bat aux cartes",
        "Il me bat aux échecs 😅",
        "ma sœur me bat toujours à la belote",
        "mon frère me bat au foot",
        "les jeunes nous battent au basket",
        "ma petite fille me bat à Mario Kart",
    ],
)
def test_losing_a_game_is_not_a_disclosure(text: str) -> None:
    assert detect(text) == frozenset()


@pytest.mark.parametrize(
    "text",
    [
        "mon frère la frappe",
        "mon oncle la frappe tous les soirs",
        "mon voisin la cogne",
        "mon mari me bat au sang",
        "il me bat tout le temps",
        "il me bat en rentrant du foot",
    ],
)
def test_violence_is_still_a_disclosure(text: str) -> None:
    assert Category.DANGER in detect(text)
