"""A digest's charts with awkward words: matplotlib reads "$…$" as mathematics and a backslash
as a command inside it, and a long question would run off the image."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from matplotlib.text import Text as Drawn

from digest.aggregate import build_digest
from digest.charts import figures
from digest.model import Period
from flows.model import ChoiceStepBase, Consultation, Step, Text
from storage.sqlite import SqliteStore
from tests.digest.residents import answered

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
MATHS = r"Coût $x^2$ ou \frac{1}{2} $"
# 500 characters, as a consultation file may hold (parole check takes it).
QUESTION = f"{MATHS} " + "Qu'est-ce qui compte le plus dans votre quartier ? " * 10


async def test_maths_and_a_500_character_question_are_drawn_as_words(
    tmp_path: Path, consultation: Consultation
):
    steps: list[Step] = []
    for step in consultation.steps:
        if isinstance(step, ChoiceStepBase) and step.id == "besoins":
            options = [step.options[0].model_copy(update={"label": Text(fr=MATHS, en=MATHS)})]
            update = {"text": Text(fr=QUESTION, en=QUESTION), "options": options}
            step = step.model_copy(update=update)
        steps.append(step)
    consultation = consultation.model_copy(update={"steps": steps})
    async with SqliteStore(tmp_path / "parole.sqlite3") as store:
        await answered(store, consultation, 8, NOW - dt.timedelta(days=2))
        digest = await build_digest(store, consultation, Period(NOW - dt.timedelta(7), NOW))
    # Warnings are errors in the tests: a formula matplotlib failed to parse would be one.
    [(_, figure), *_] = figures(digest)
    drawn = [text.get_text() for text in figure.findobj(Drawn) if text.get_text()]
    escaped = MATHS.replace("$", r"\$")  # matplotlib draws "\$" as a dollar sign
    title = next(text for text in drawn if text.startswith(escaped))
    assert len(title.splitlines()) <= 3 and title.endswith("…"), "cut short, said so"
    label = next(text for text in drawn if text.replace("\n", " ").startswith("Coût"))
    assert label.replace("\n", " ") == escaped
    figure.canvas.draw()  # drawing parses every text: no formula among them
