"""The paper template of a consultation written by a city: what its legend tells the person
typing forms in, and which questions are on paper."""

from __future__ import annotations

from pathlib import Path

from flows import paper
from flows.loader import load_consultation
from flows.model import Consultation, Theme

ROOT = Path(__file__).resolve().parent.parent.parent


def test_a_scale_s_ends_and_a_condition_s_test_are_in_the_legend(every_kind: Consultation):
    legend = paper.legend(every_kind)
    assert "    un nombre de 1 à 5 (1 = pas du tout, 5 = tout à fait)" in legend
    assert "    seulement si publics contient jeunes" in legend


def test_the_workshop_3_example_on_paper():
    emploi = load_consultation(ROOT / "examples" / "emploi.toml", ["Bourgogne"])
    assert paper.template_csv(emploi).split(";")[:5] == [
        "quartier",
        "quartier_autre",
        "situation",
        "situation_autre",
        "recherche_duree",
    ]
    legend = paper.legend(emploi)
    assert "    seulement si situation = recherche" in legend
    assert "    un nombre de 1 à 5 (1 = pas du tout, 5 = beaucoup)" in legend
    assert "suivi" not in paper.columns(emploi)


def test_a_question_asked_only_after_the_follow_up_is_not_on_paper(every_kind: Consultation):
    # "moyen" is asked after a yes to the follow-up question, which paper never asks; under
    # a theme of its own, it is not a follow-up question itself.
    steps = [
        step.model_copy(update={"theme": Theme.OBJECTIFS}) if step.id == "moyen" else step
        for step in every_kind.steps
    ]
    every_kind = every_kind.model_copy(update={"steps": steps})
    assert "moyen" not in paper.columns(every_kind)
    assert "[moyen]" not in paper.legend(every_kind)
    cells = {"age": "adulte", "publics": "femmes,aines", "idee": "Un banc", "note": "3"}
    text = paper.filled_csv(every_kind, [cells])
    header = text.splitlines()[0] + ";moyen"
    rows = [line + ";" for line in text.splitlines()[1:]]
    checked = paper.check(every_kind, "\r\n".join([header, *rows]) + "\r\n")
    assert checked.problems == []
    assert checked.ignored == ["moyen"]
