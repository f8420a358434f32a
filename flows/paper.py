"""Paper questionnaires: the CSV template of a consultation, and checking filled-in rows.

The template has one column per question (its step id), plus `<step>_autre` for the text of
an "Autre" answer; cells hold option codes (several separated by ","), a number for a
scale, "oui"/"non" (or "yes"/"no"), or the text of a free-text answer. A blank cell is a
skipped question (allowed only for optional ones) or a question the form did not ask
(conditions). The legend, written beside the template, lists every column's allowed codes.
A column may be deleted when its question is optional (or it is an "Autre" text): it reads as
blank in every row. A required question's column must be there.

The file is read as UTF-8 (with or without a byte order mark), else as Windows-1252: French
Excel's "CSV (séparateur : point-virgule)" writes that, the save an officer is most likely to
pick.

Every row is checked against the consultation as the engine would run it (codes exist,
required answers present, number of picks, text lengths, conditions); each problem names
its line (as a spreadsheet numbers it: the header is line 1) and its column.

The follow-up question ("do you want to hear what the city did?") is not on paper: news goes
to a chat with the bot, which a paper form's respondent does not have. The template leaves it
out; a file that still has its column (from an older template) is read with that column
ignored and said so (`Checked.ignored`), rather than refused: refusing would turn away every
form typed from those templates for a column nothing can be done with.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from flows.engine import Engine
from flows.model import (
    NO,
    OTHER_CODE,
    OTHER_TEXT_SUFFIX,
    YES,
    ChoiceStepBase,
    Consultation,
    InfoStep,
    MultiStep,
    ScaleStep,
    Step,
    TextStep,
    YesNoStep,
)
from flows.state import Answer, Phase, SessionState

OTHER_SUFFIX: Final = OTHER_TEXT_SUFFIX
OTHER_MAX: Final = 300  # as the engine allows for the text of an "Autre"
PICK_SEPARATOR: Final = ","
DELIMITER: Final = ";"  # what Excel expects in a French locale
YES_WORDS: Final = frozenset({"oui", "yes", "o", "y"})
NO_WORDS: Final = frozenset({"non", "no", "n"})
UTF8: Final = "UTF-8"
CP1252: Final = "Windows-1252"
CP1252_NOTE: Final = (
    "pas en UTF-8 : lu en Windows-1252, l'encodage du « CSV (séparateur : point-virgule) » "
    "d'Excel ; vérifiez les accents"
)
UNREADABLE: Final = (
    "ni UTF-8 ni Windows-1252 ({why}) : enregistrez-le depuis Excel en « CSV UTF-8 » "
    "ou en « CSV (séparateur : point-virgule) »"
)
NOT_TEXT: Final = (
    "ce n'est pas un fichier CSV (un classeur .xlsx, ou du « Texte Unicode ») : "
    "enregistrez-le depuis Excel en « CSV UTF-8 » ou en « CSV (séparateur : point-virgule) »"
)
IGNORED_WHY: Final = (
    "question de suivi, pas posée sur papier : la personne n'a pas de conversation avec le "
    "bot pour recevoir des nouvelles"
)


@dataclass(frozen=True)
class Problem:
    """What is wrong with one cell (or with the header, line 1)."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return visible(f"ligne {self.line}, colonne {self.column} : {self.message}")


def visible(text: str) -> str:
    """`text` with its control and format characters written as escapes ("\\x1b").

    A problem quotes the file's cells and column names, and is printed to a terminal: a
    cell of a file someone handed over must not move the cursor, rewrite the window's title
    or the clipboard (escape sequences), nor reorder the line (bidi overrides).
    """
    return "".join(
        repr(char)[1:-1] if unicodedata.category(char) in ("Cc", "Cf") else char for char in text
    )


@dataclass(frozen=True)
class Checked:
    """The rows of a file: one finished session state each, or the problems found.

    `lines` holds each state's line in the file; `ignored` lists the file's columns that were
    left unread (the follow-up question's), `absent` the template's columns the file does
    not have (optional ones, read as blank).
    """

    states: list[SessionState]
    problems: list[Problem]
    ignored: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


def on_paper(consultation: Consultation) -> list[Step]:
    """The questions a paper form asks: all but the follow-up question and the questions
    asked only after a given answer to it (the engine passes over them both on paper)."""
    left_out = set(consultation.follow_up_steps())
    asked: list[Step] = []
    for step in consultation.questions():
        if step.id in left_out or (step.show_if and step.show_if.step in left_out):
            left_out.add(step.id)
        else:
            asked.append(step)
    return asked


def _required_columns(consultation: Consultation) -> list[str]:
    """The columns a file must have: those of required questions (not their "Autre" text,
    which may always be left blank)."""
    return [step.id for step in on_paper(consultation) if not step.optional]


def _step_columns(step: Step) -> list[str]:
    """A step's columns: its own, and its "Autre" text after it."""
    if isinstance(step, ChoiceStepBase) and step.other:
        return [step.id, step.id + OTHER_SUFFIX]
    return [step.id]


def columns(consultation: Consultation) -> list[str]:
    """The template's header: each question, each "Autre" text after its question."""
    return [name for step in on_paper(consultation) for name in _step_columns(step)]


def template_csv(consultation: Consultation) -> str:
    """The empty template: the header row only."""
    out = io.StringIO()
    csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n").writerow(columns(consultation))
    return out.getvalue()


def legend(consultation: Consultation) -> str:
    """What goes in each column of the template, in French (codes are the same in English)."""
    lines = [
        f"Questionnaire papier : {consultation.title.fr} ({consultation.id})",
        "",
        "Une ligne par questionnaire, une colonne par question, séparateur « ; ».",
        "Case vide : question passée (si elle est facultative) ou non posée.",
        "Les colonnes des questions facultatives et des textes « Autre » peuvent être "
        "supprimées : elles comptent comme vides.",
        "Plusieurs réponses : codes séparés par une virgule, par exemple « femmes,isoles ».",
        "La question de suivi n'est pas sur papier : les nouvelles passent par le bot.",
        "",
    ]
    for step in on_paper(consultation):
        need = "facultative" if step.optional else "obligatoire"
        lines.append(f"[{step.id}] {step.text.fr} ({need})")
        if step.show_if is not None:
            test = "=" if step.show_if.equals is not None else "contient"
            value = paper_code(step.show_if.value)
            lines.append(f"    seulement si {step.show_if.step} {test} {value}")
        if isinstance(step, ChoiceStepBase):
            if isinstance(step, MultiStep):
                most = f", au plus {step.max_picks}" if step.max_picks else ""
                lines.append(f"    plusieurs codes : au moins {step.min_picks}{most}")
            else:
                lines.append("    un seul code")
            for option in step.options:
                lines.append(f"    {option.code} = {option.label.fr}")
            if step.other:
                lines.append(f"    {OTHER_CODE} = Autre (précisez dans {step.id}{OTHER_SUFFIX})")
        elif isinstance(step, YesNoStep):
            lines.append("    oui ou non")
        elif isinstance(step, ScaleStep):
            ends = ""
            if step.min_label and step.max_label:
                ends = f" ({step.min} = {step.min_label.fr}, {step.max} = {step.max_label.fr})"
            lines.append(f"    un nombre de {step.min} à {step.max}{ends}")
        elif isinstance(step, TextStep):
            lines.append(f"    texte libre, {step.max_length} caractères au plus")
        if isinstance(step, ChoiceStepBase) and step.other:
            lines.append(
                f"[{step.id}{OTHER_SUFFIX}] texte de « Autre », {OTHER_MAX} caractères au plus"
            )
        lines.append("")
    return "\n".join(lines)


def paper_code(code: str) -> str:
    """A code as written on paper: a yes/no answer is "oui" or "non" there."""
    return {YES: "oui", NO: "non"}.get(code, code)


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in (`UTF8` or `CP1252`).

    UTF-8 first (a byte order mark is dropped): accented Windows-1252 text is practically
    never valid UTF-8, so trying UTF-8 first does not misread such a file. Raises ValueError,
    in French, for a file that is neither or is not text at all.
    """
    # No CSV text has a NUL byte; a workbook (.xlsx) or Excel's UTF-16 "Texte Unicode" has
    # plenty, and Windows-1252 would "decode" them into a header of nonsense.
    if b"\0" in data:
        raise ValueError(NOT_TEXT)
    try:
        return data.decode("utf-8-sig"), UTF8
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), CP1252
    except UnicodeDecodeError as error:
        byte = data[error.start]
        why = f"octet 0x{byte:02x} à la position {error.start}"
        raise ValueError(UNREADABLE.format(why=why)) from None


def read_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the non-empty rows (with their line numbers) of a CSV text.

    The delimiter is ";" (the template's) or "," when the header has no ";".
    """
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = DELIMITER if DELIMITER in first or "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = list(reader)
    if not rows:
        return [], []
    header = [cell.strip() for cell in rows[0]]
    found: list[tuple[int, dict[str, str]]] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            cells["\0extra"] = "x"
        found.append((line, cells))
    return header, found


def check(consultation: Consultation, text: str) -> Checked:
    """Every row of a filled-in template, checked; states only if no problem at all."""
    header, rows = read_rows(text)
    expected = columns(consultation)
    asked = {step.id for step in on_paper(consultation)}
    left_out = [
        name
        for step in consultation.questions()
        if step.id not in asked
        for name in _step_columns(step)
    ]
    ignored = [name for name in header if name in left_out]
    required = _required_columns(consultation)
    problems: list[Problem] = []
    for name in header:
        if name not in expected and name not in left_out:
            problems.append(Problem(1, name or "(vide)", "colonne inconnue"))
    for name in required:
        if name not in header:
            problems.append(Problem(1, name, "colonne manquante (question obligatoire)"))
    # The cells of an absent optional column read as blank: `check_row` takes "" for them.
    absent = [name for name in expected if name not in header and name not in required]
    if problems:
        return Checked([], problems, ignored, absent)
    if not rows:
        return Checked([], [Problem(2, "-", "aucune ligne à importer")], ignored, absent)
    # The engine passes over the follow-up question as it does for an assisted entry (and
    # any question that depends on it); its column, if the file has one, is not read.
    engine = Engine(consultation, left_out=consultation.follow_up_steps())
    states: list[SessionState] = []
    lines: list[int] = []
    for line, cells in rows:
        if "\0extra" in cells:
            problems.append(Problem(line, "-", "plus de cases que de colonnes"))
            continue
        read = {name: value for name, value in cells.items() if name not in left_out}
        state, found = check_row(engine, line, read)
        problems += found
        if state is not None:
            states.append(state)
            lines.append(line)
    if problems:
        return Checked([], problems, ignored, absent)
    return Checked(states, [], ignored, absent, lines)


def check_row(
    engine: Engine, line: int, cells: Mapping[str, str]
) -> tuple[SessionState | None, list[Problem]]:
    """One row as a finished session, or its problems (the steps `engine` leaves out are
    passed over like any question not asked)."""
    consultation = engine.consultation
    answers: dict[str, Answer] = {}
    history: list[str] = []
    problems: list[Problem] = []
    for step in consultation.steps:
        state = SessionState(consultation_id=consultation.id, answers=answers)
        visible = {s.id for s in engine.visible_steps(state)}
        cell = cells.get(step.id, "")
        other = cells.get(step.id + OTHER_SUFFIX, "")
        if step.id not in visible:
            for name, value in ((step.id, cell), (step.id + OTHER_SUFFIX, other)):
                if value:
                    condition = step.show_if
                    why = f" ({condition.step} ≠ {condition.value})" if condition else ""
                    problems.append(Problem(line, name, f"question non posée{why} : laisser vide"))
            continue
        history.append(step.id)
        if isinstance(step, InfoStep):
            continue
        answer, found = _answer(step, cell, other)
        problems += [Problem(line, column, message) for column, message in found]
        if answer is not None:
            answers = {**answers, step.id: answer}
    if problems:
        return None, problems
    state = SessionState(
        consultation_id=consultation.id,
        phase=Phase.DONE,
        history=history,
        answers=answers,
        position=len(history) + 1,
    )
    return state, []


def _answer(step: Step, cell: str, other: str) -> tuple[Answer | None, list[tuple[str, str]]]:
    """The answer a cell (and its "Autre" text) gives to a step, or what is wrong."""
    other_column = step.id + OTHER_SUFFIX
    if not cell:
        if other:
            return None, [(other_column, f"texte « Autre » sans le code {OTHER_CODE}")]
        if step.optional:
            return Answer(skipped=True), []
        return None, [(step.id, "réponse obligatoire")]
    if isinstance(step, TextStep):
        if len(cell) > step.max_length:
            return None, [(step.id, f"{len(cell)} caractères, {step.max_length} au plus")]
        return Answer(text=cell), []
    if isinstance(step, YesNoStep):
        word = cell.casefold()
        if word in YES_WORDS:
            return Answer(choices=[YES]), []
        if word in NO_WORDS:
            return Answer(choices=[NO]), []
        return None, [(step.id, f"« {cell} » : attendu oui ou non")]
    if isinstance(step, ScaleStep):
        allowed = [str(n) for n in range(step.min, step.max + 1)]
        if cell not in allowed:
            return None, [(step.id, f"« {cell} » : attendu un nombre de {step.min} à {step.max}")]
        return Answer(choices=[cell]), []
    assert isinstance(step, ChoiceStepBase)
    picks = [code.strip().lower() for code in cell.split(PICK_SEPARATOR) if code.strip()]
    problems: list[tuple[str, str]] = []
    unknown = [code for code in picks if code not in step.codes()]
    if unknown:
        problems.append((step.id, f"code(s) inconnu(s) : {', '.join(unknown)}"))
    if len(set(picks)) != len(picks):
        problems.append((step.id, "code répété"))
    if isinstance(step, MultiStep):
        if len(picks) < step.min_picks:
            problems.append((step.id, f"au moins {step.min_picks} code(s)"))
        if step.max_picks is not None and len(picks) > step.max_picks:
            problems.append((step.id, f"{step.max_picks} codes au plus"))
    elif len(picks) > 1:
        problems.append((step.id, "un seul code"))
    if other and OTHER_CODE not in picks:
        problems.append((other_column, f"texte « Autre » sans le code {OTHER_CODE}"))
    if len(other) > OTHER_MAX:
        problems.append((other_column, f"{len(other)} caractères, {OTHER_MAX} au plus"))
    if problems:
        return None, problems
    order = step.codes()
    picks = sorted(picks, key=order.index)
    return Answer(choices=picks, text=other or None), []


def filled_csv(consultation: Consultation, rows: Iterable[Mapping[str, str]]) -> str:
    """A template filled with `rows` (column name -> cell), for tests and examples."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    names = columns(consultation)
    writer.writerow(names)
    for row in rows:
        writer.writerow([row.get(name, "") for name in names])
    return out.getvalue()


def as_cells(consultation: Consultation, answers: Mapping[str, Answer]) -> dict[str, str]:
    """The cells a paper form with these answers would have (the inverse of `check_row`)."""
    cells: dict[str, str] = {}
    for step in on_paper(consultation):
        answer = answers.get(step.id)
        if answer is None or answer.skipped:
            continue
        if isinstance(step, TextStep):
            cells[step.id] = answer.text or ""
            continue
        codes = answer.choices
        if isinstance(step, YesNoStep):
            codes = [paper_code(code) for code in codes]
        cells[step.id] = PICK_SEPARATOR.join(codes)
        if answer.text is not None:
            cells[step.id + OTHER_SUFFIX] = answer.text
    return cells
