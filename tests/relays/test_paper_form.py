"""The paper questionnaire to print: a well-formed HTML document holding every question of the
paper template, in order, with the codes to type in, its conditions and skips, what to read
out first and the helplines; nothing fetched from elsewhere; consultation texts escaped."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from bot.relay_texts import privacy_read_out
from flows import paper
from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import (
    OTHER_TEXT_SUFFIX,
    ChoiceStepBase,
    Consultation,
    Lang,
    MultiStep,
    Option,
    ScaleStep,
    Text,
    TextStep,
    YesNoStep,
)
from flows.paper_form import file_name, paper_form
from flows.safeguarding import every_helpline
from tests.relays.world import small_consultation

PRINTED = dt.date(2026, 11, 26)
VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr"})


def builtin() -> Consultation:
    return load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", ["Bourgogne", "Pont-Rompu"])


def form(consultation: Consultation, lang: Lang = "fr") -> str:
    return paper_form(consultation, lang, privacy=privacy_read_out(365, lang), printed=PRINTED)


@dataclass
class Section:
    """One question as printed: its heading, notes, and the codes printed beside its boxes."""

    step_id: str
    heading: str = ""
    notes: list[tuple[str, str]] = field(default_factory=list)  # (class, text)
    codes: list[str] = field(default_factory=list)
    lines: int = 0


class Reader(HTMLParser):
    """Checks that the document is well formed, and reads its questions and parts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.doctype = ""
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.questions: list[Section] = []
        self.parts: dict[str, str] = {}  # section or paragraph class -> its text
        self._where: list[tuple[str, str]] = []  # (tag, class) of the open elements
        self._text: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        css = dict(attrs).get("class") or ""
        if tag == "section" and css == "question":
            self.questions.append(Section(str(dict(attrs).get("id", "")).removeprefix("q-")))
        if css == "line" and self.questions:
            self.questions[-1].lines += 1
        if tag in VOID:
            return
        self.open.append(tag)
        self._where.append((tag, css))
        self._text.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:]}")
            return
        self.open.pop()
        _, css = self._where.pop()
        text = self._text.pop()
        if self._text:
            self._text[-1] += text
        if css and css not in ("box", "write", "lines", "line"):
            self.parts.setdefault(css, text)
        if self.questions and self.questions[-1].heading == "" and tag == "h2":
            self.questions[-1].heading = text
        in_question = any(c == "question" for _, c in self._where)
        if in_question and css == "code" and any(c == "options" for _, c in self._where):
            self.questions[-1].codes.append(text)
        elif in_question and tag == "p" and css:
            self.questions[-1].notes.append((css, text))

    def handle_data(self, data: str) -> None:
        if self._text:
            self._text[-1] += data


def read(document: str) -> Reader:
    reader = Reader()
    reader.feed(document)
    reader.close()
    return reader


CONSULTATIONS = {"vivre-ensemble": builtin, "mini": small_consultation}


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("name", sorted(CONSULTATIONS))
def test_the_document_is_well_formed_html(name: str, lang: Lang):
    reader = read(form(CONSULTATIONS[name](), lang))
    assert reader.doctype.lower() == "doctype html"
    assert reader.problems == [] and reader.open == []
    assert [reader.tags.count(t) for t in ("html", "head", "body", "title", "style")] == [1] * 5
    assert ("lang", lang) in reader.attributes and ("charset", "utf-8") in reader.attributes


@pytest.mark.parametrize("name", sorted(CONSULTATIONS))
def test_every_question_of_the_template_once_in_order_numbered(name: str):
    consultation = CONSULTATIONS[name]()
    questions = read(form(consultation)).questions
    asked = paper.on_paper(consultation)
    assert [q.step_id for q in questions] == [step.id for step in asked]
    for number, (question, step) in enumerate(zip(questions, asked, strict=True), start=1):
        assert question.heading == f"{number}. {step.text.fr}{step.id}"
    # The template's columns are these questions and their "Autre" texts, nothing else.
    printed = {q.step_id for q in questions}
    assert {c.removesuffix(OTHER_TEXT_SUFFIX) for c in paper.columns(consultation)} == printed


@pytest.mark.parametrize("name", sorted(CONSULTATIONS))
def test_every_code_the_template_takes_is_printed_once_beside_its_box(name: str):
    consultation = CONSULTATIONS[name]()
    questions = read(form(consultation)).questions
    for question, step in zip(questions, paper.on_paper(consultation), strict=True):
        if isinstance(step, ChoiceStepBase):
            assert question.codes == step.codes(), step.id
        elif isinstance(step, YesNoStep):
            assert question.codes == ["oui", "non"]
        else:
            assert question.codes == [], step.id
    # What the legend beside the template lists as the codes of a choice, and no other.
    legend = paper.legend(consultation)
    for step in paper.on_paper(consultation):
        if isinstance(step, ChoiceStepBase):
            for option in step.options:
                assert f"    {option.code} = {option.label.fr}" in legend


def test_the_follow_up_question_is_not_on_paper():
    consultation = small_consultation()
    assert consultation.follow_up_steps() == ["suivi"]
    document = form(consultation)
    assert "suivi" not in [q.step_id for q in read(document).questions]
    assert consultation.step("suivi").text.fr not in document


def test_what_to_tick_is_said_for_each_kind_of_question():
    consultation = builtin()
    for question, step in zip(
        read(form(consultation)).questions, paper.on_paper(consultation), strict=True
    ):
        notes = " ".join(text for css, text in question.notes if css == "note")
        if isinstance(step, MultiStep):
            assert "Plusieurs réponses possibles" in notes, step.id
            if step.max_picks is not None:
                assert f"Plusieurs réponses possibles, {step.max_picks} au plus." in notes
        elif isinstance(step, ChoiceStepBase):
            assert "Une seule réponse" in notes, step.id
        elif isinstance(step, TextStep):
            assert f"{step.max_length} caractères au plus" in notes, step.id
    scale = read(form(small_consultation())).questions[-1]
    assert ("note", "De 1 à 5\u202f: une seule case.") in scale.notes


def test_a_conditional_question_names_the_answer_and_the_question_it_follows():
    questions = {q.step_id: q for q in read(form(small_consultation())).questions}
    # "precision" is asked only when "Les jeunes" is ticked at question 2 ("publics").
    condition = [text for css, text in questions["precision"].notes if "condition" in css]
    assert condition == [
        "Seulement si «\u202fLes jeunes\u202f» est coché à la question 2. "
        "Sinon, passez à la suivante."
    ]
    english = {q.step_id: q for q in read(form(small_consultation(), "en")).questions}
    assert any("“Young people” is ticked at question 2" in t for _, t in english["precision"].notes)
    assert [q.step_id for q in questions.values() if any("condition" in c for c, _ in q.notes)] == [
        "precision"
    ]


@pytest.mark.parametrize("name", sorted(CONSULTATIONS))
def test_only_optional_questions_say_they_may_be_skipped(name: str):
    consultation = CONSULTATIONS[name]()
    questions = read(form(consultation)).questions
    skippable = [q.step_id for q in questions if any("skip" in css for css, _ in q.notes)]
    assert skippable == [step.id for step in paper.on_paper(consultation) if step.optional]
    assert skippable  # both consultations have some
    notes = [t for q in questions for c, t in q.notes if "skip" in c]
    assert all("passer cette question" in note for note in notes)


def test_free_text_gets_lines_for_its_length():
    base = small_consultation()
    short, long = (
        base.model_copy(
            update={
                "steps": [
                    s.model_copy(update={"max_length": length}) if s.id == "precision" else s
                    for s in base.steps
                ]
            }
        )
        for length in (50, 600)
    )
    lines = [
        next(q for q in read(form(c)).questions if q.step_id == "precision").lines
        for c in (short, long)
    ]
    assert 2 <= lines[0] < lines[1]


def test_what_to_read_out_first_and_the_persons_agreement():
    consultation = builtin()
    reader = read(form(consultation))
    read_out = reader.parts["read-out"]
    for paragraph in consultation.welcome.fr.strip().split("\n\n"):
        assert paragraph.replace("\n", "") in read_out
    assert privacy_read_out(365, "fr") in read_out and "1 an" in read_out
    assert reader.parts["consent"] == "La personne est d'accord ☐"
    # The read-out comes before the first question.
    document = form(consultation)
    assert document.index("read-out") < document.index('class="question"')


def test_every_helpline_of_the_bot_is_at_the_bottom_with_the_id_and_the_day():
    for lang in ("fr", "en"):
        reader = read(form(small_consultation(), lang))
        helplines = reader.parts["helplines"]
        for line in every_helpline(lang):
            assert line in helplines
        for number in ("17", "112", "114", "3114", "119", "3919", "3977", "116\u202f006", "115"):
            assert number in helplines or number.replace("\u202f", " ") in helplines
    document = form(small_consultation())
    assert document.index('class="helplines"') > document.rindex('class="question"')
    assert read(document).parts["printed"] == "mini · imprimé le 26/11/2026"
    assert read(form(small_consultation(), "en")).parts["printed"] == "mini · printed on 26/11/2026"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_nothing_is_fetched_and_it_prints_on_a4(lang: Lang):
    document = form(builtin(), lang)
    reader = read(document)
    assert not {"link", "script", "img", "iframe", "object"} & set(reader.tags)
    assert not [name for name, _ in reader.attributes if name in ("src", "href")]
    assert "url(" not in document and "@import" not in document
    assert "@page { size: A4" in document


def test_english_form_has_no_french_fixed_text():
    document = form(small_consultation(), "en")
    for french in ("Une seule réponse", "Plusieurs réponses", "La personne est d'accord"):
        assert french not in document
    assert "One answer only." in document and "The person agrees" in document


def test_consultation_texts_with_markup_characters_are_shown_as_written():
    base = small_consultation()
    tricky = "Cafés & <b>bars</b> <script>x</script>"
    quartier = base.step("quartier")
    assert isinstance(quartier, ChoiceStepBase)
    options = [Option(code="cafes", label=Text(fr="A < B & C", en="A < B & C"))]
    consultation = base.model_copy(
        update={
            "title": Text(fr=tricky, en=tricky),
            "welcome": Text(fr="Vous & nous <i>ici</i>", en="You & us"),
            "steps": [
                quartier.model_copy(
                    update={"options": options, "text": Text(fr=tricky, en=tricky)}
                ),
                *base.steps[1:],
            ],
        }
    )
    document = form(consultation)
    reader = read(document)
    assert reader.problems == [] and reader.open == []
    assert not {"b", "i", "script"} & set(reader.tags)
    assert reader.questions[0].heading == f"1. {tricky}quartier"
    assert "Vous & nous <i>ici</i>" in reader.parts["read-out"]
    assert "A &lt; B &amp; C" in document
    assert file_name(consultation, "fr") == "questionnaire-mini.html"
    assert file_name(consultation, "en") == "questionnaire-mini-en.html"


def test_a_scale_shows_its_points_and_what_its_ends_mean():
    base = small_consultation()
    scale = base.step("note")
    assert isinstance(scale, ScaleStep)
    labelled = scale.model_copy(
        update={
            "min_label": Text(fr="Pas du tout", en="No"),
            "max_label": Text(fr="Tout", en="All"),
        }
    )
    consultation = base.model_copy(
        update={"steps": [labelled if s.id == "note" else s for s in base.steps]}
    )
    document = form(consultation)
    section = document[document.index('id="q-note"') :]
    section = section[: section.index("</section>")]
    assert [str(n) in section for n in range(1, 6)] == [True] * 5
    assert section.count("☐") == 5
    assert "1 = Pas du tout · 5 = Tout" in section


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_help_text_naming_a_button_says_to_tick_its_box(lang: Lang):
    # The help was written for a phone: "touchez « Autre… »" / "tap “Other…”".
    text = html.unescape(re.sub(r"<[^>]+>", "", form(builtin(), lang)))
    assert "touchez" not in text.lower() and "tap “" not in text.lower()
    assert ("cochez «\u202fAutre…\u202f»" if lang == "fr" else "tick “Other…”") in text
