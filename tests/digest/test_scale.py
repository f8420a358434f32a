"""Scale questions as staff read them: in the scale's order, with what its ends mean and its
ends grouped, in the digest, its charts and its exports; never giving a hidden count away."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook  # type: ignore[import-untyped]

from digest.aggregate import build_digest
from digest.charts import figures
from digest.exports import write_csv, write_xlsx
from digest.model import Digest, Period
from digest.render import render_plain
from flows.model import Consultation
from flows.state import Answer
from storage.base import Channel, ExportedSession, Status
from storage.sqlite import SqliteStore
from tests.digest.reader import read
from tests.digest.residents import session_of
from tests.digest.test_charts import drawn_texts
from tests.digest.test_exports import read_csv

CONSULTATION = Consultation.model_validate(
    tomllib.loads(
        """
id = "echelles"
title = { fr = "Échelles", en = "Scales" }
welcome = { fr = "Bienvenue", en = "Welcome" }
thanks = { fr = "Merci", en = "Thanks" }
opens = 2026-01-01
closes = 2026-12-31

[[steps]]
id = "quartier"
kind = "single"
theme = "profil"
text = { fr = "Votre quartier ?", en = "Your area?" }
options = [
  { code = "nord", label = { fr = "Nord", en = "North" } },
  { code = "sud", label = { fr = "Sud", en = "South" } },
]

[[steps]]
id = "aide"
kind = "scale"
theme = "leviers"
min = 1
max = 5
min_label = { fr = "pas du tout", en = "not at all" }
max_label = { fr = "beaucoup", en = "a lot" }
text = { fr = "Les services vous aident-ils ?", en = "Do the services help you?" }

[[steps]]
id = "confiance"
kind = "scale"
theme = "freins"
min = 0
max = 6
text = { fr = "Confiance dans la police ?", en = "Trust in the police?" }
"""
    )
)
START = dt.datetime(2026, 11, 16, 7, 0, tzinfo=dt.UTC)
PERIOD = Period(START, START + dt.timedelta(days=7))


def digest_of(points: Sequence[tuple[int, int]], group: int = 5, earlier: int = 0) -> Digest:
    """The week's digest of residents each giving a point on both scales (`points`); the
    first `earlier` of them answered weeks before, for running totals since the opening."""

    async def run(path: Path) -> Digest:
        async with SqliteStore(path, synchronous="OFF") as store:
            for number, (helps, trust) in enumerate(points):
                hours = number - (24 * 7 * 4 if number < earlier else 0)
                answers = {
                    "quartier": Answer(choices=["nord" if number % 3 else "sud"]),
                    "aide": Answer(choices=[str(helps)]),
                    "confiance": Answer(choices=[str(trust)]),
                }
                now = START + dt.timedelta(hours=hours + 1)
                await session_of(store, CONSULTATION, number, answers, now)
            return await build_digest(store, CONSULTATION, PERIOD, min_group_size=group)

    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(run(Path(folder) / "parole.sqlite3"))


def question(digest: Digest, step_id: str) -> list[str]:
    """The lines of one question's section in the plain-text digest."""
    title = CONSULTATION.step(step_id).text.fr
    return render_plain([digest]).split(f"\n{title}\n", 1)[1].split("\n\n", 1)[0].splitlines()


def residents(counts: dict[int, int], trust: int = 3) -> list[tuple[int, int]]:
    """Residents giving each point of the "aide" scale as often as `counts` says."""
    return [(point, trust) for point, times in counts.items() for _ in range(times)]


def share(count: int, of: int) -> str:
    """A percentage as the digest prints it, halves rounded up."""
    return f"{int(100 * count / of + 0.5)}\u202f%"


def test_a_scale_reads_from_one_end_to_the_other_with_its_ends_grouped() -> None:
    # Ranked by count, the points read "4, 5, 1, 3, 2": staff could not tell the shape of
    # the answers, nor what 1 means.
    counts = {1: 6, 2: 5, 3: 5, 4: 9, 5: 7}
    answered = sum(counts.values())
    lines = question(digest_of(residents(counts)), "aide")
    assert lines[1] == f"{answered} réponses, 0 passée"
    assert lines[2:7] == [
        f"• 1 (pas du tout)\u202f: {counts[1]} ({share(counts[1], answered)})",
        f"• 2\u202f: {counts[2]} ({share(counts[2], answered)})",
        f"• 3\u202f: {counts[3]} ({share(counts[3], answered)})",
        f"• 4\u202f: {counts[4]} ({share(counts[4], answered)})",
        f"• 5 (beaucoup)\u202f: {counts[5]} ({share(counts[5], answered)})",
    ]
    low, high = counts[1] + counts[2], counts[4] + counts[5]
    assert lines[7:] == [
        f"Plutôt «\u202fpas du tout\u202f» (1 ou 2)\u202f: {low} ({share(low, answered)})",
        f"Plutôt «\u202fbeaucoup\u202f» (4 ou 5)\u202f: {high} ({share(high, answered)})",
    ]


def test_a_scale_without_words_at_its_ends_says_bottom_and_top() -> None:
    points = [(3, trust) for trust in (0, 1, 2, 2, 3, 4, 5, 5, 6, 6, 6, 1, 0, 4, 5, 3)]
    lines = question(digest_of(points, group=2), "confiance")
    assert [line.split("\u202f: ")[0] for line in lines[2:9]] == [f"• {n}" for n in range(7)]
    low = sum(trust <= 2 for _, trust in points)
    high = sum(trust >= 4 for _, trust in points)
    assert lines[9].startswith(f"Bas de l'échelle (de 0 à 2)\u202f: {low} (")
    assert lines[10].startswith(f"Haut de l'échelle (de 4 à 6)\u202f: {high} (")


def test_a_hidden_point_is_never_an_end_minus_its_neighbour() -> None:
    # Two residents said 1: "< 5". With "1 ou 2" printed beside a shown 2, the difference
    # would be 2; the digest hides what it must so that it cannot be worked out.
    counts = {1: 2, 2: 7, 3: 6, 4: 8, 5: 9}
    digest = digest_of(residents(counts))
    lines = question(digest, "aide")
    assert "• 1 (pas du tout)\u202f: <\u202f5" in lines
    assert any(
        line.startswith("Plutôt «\u202fpas du tout\u202f» (1 ou 2)\u202f: ") for line in lines
    )
    reading = read(digest, CONSULTATION)
    assert reading.problems == []
    assert reading.worked_out() == []


def test_hidden_points_keep_the_scales_order() -> None:
    # The order of two hidden points never depends on their counts: it is the scale's.
    one = question(digest_of(residents({1: 1, 2: 4, 3: 9, 4: 8, 5: 7})), "aide")
    other = question(digest_of(residents({1: 4, 2: 1, 3: 9, 4: 8, 5: 7})), "aide")
    assert one == other
    assert [line.split("\u202f: ")[0] for line in one[2:7]] == [
        "• 1 (pas du tout)",
        "• 2",
        "• 3",
        "• 4",
        "• 5 (beaucoup)",
    ]


def test_points_no_longer_offered_stay_in_the_scales_order() -> None:
    # The scale of 1 to 5 was 0 to 10 when some answered: their 0, 7 and 10 are read in their
    # place ("10" came before "7" as text, and "0" after "5").
    lines = question(digest_of(residents({10: 5, 3: 5, 0: 5, 7: 5, 1: 5})), "aide")
    assert [line.split("\u202f: ")[0] for line in lines[2:10]] == [
        "• 0",
        "• 1 (pas du tout)",
        "• 2",
        "• 3",
        "• 4",
        "• 5 (beaucoup)",
        "• 7",
        "• 10",
    ]
    assert lines[10].startswith("Plutôt «\u202fpas du tout\u202f» (1 ou 2)\u202f: 5 (")
    reading = read(digest_of(residents({10: 5, 3: 5, 0: 1, 7: 5, 1: 5})), CONSULTATION)
    assert reading.problems == [] and reading.worked_out() == []


scales = st.lists(st.tuples(st.integers(1, 5), st.integers(0, 6)), min_size=1, max_size=24)


@settings(max_examples=40, deadline=None)
@given(scales, st.integers(0, 24), st.sampled_from([3, 5]))
def test_no_hidden_point_can_be_worked_out(
    points: list[tuple[int, int]], earlier: int, group: int
) -> None:
    digest = digest_of(points, group, earlier=min(earlier, len(points) - 1))
    reading = read(digest, CONSULTATION)
    assert reading.problems == []
    assert reading.worked_out() == []


def test_the_chart_draws_the_points_in_order_and_notes_the_ends() -> None:
    rng = random.Random(4)
    points = [(rng.choice([4, 4, 5, 5, 5, 1, 2, 3]), 3) for _ in range(40)]
    digest = digest_of(points)
    [figure] = [drawn for item, drawn in figures(digest, ["aide"]) if item.kind == "question"]
    ticks = [tick.get_text() for tick in figure.axes[0].get_yticklabels()]
    assert ticks == ["1 (pas du tout)", "2", "3", "4", "5 (beaucoup)"]
    high = sum(helps >= 4 for helps, _ in points)
    ends = next(text for text in drawn_texts(figure) if "Plutôt" in text).splitlines()
    assert ends[-1].startswith(f"Plutôt «\u202fbeaucoup\u202f» (4 ou 5)\u202f: {high} (")
    assert ends[-2].startswith("Plutôt «\u202fpas du tout\u202f» (1 ou 2)\u202f: ")


def exported(answer: str) -> ExportedSession:
    """One session of the scales consultation with `answer` on both scales."""
    return ExportedSession(
        session_id=1,
        participant_id=1,
        consultation_id=CONSULTATION.id,
        channel=Channel.TELEGRAM,
        status=Status.COMPLETED,
        created_at=START,
        updated_at=START,
        completed_at=START,
        answers={"aide": Answer(choices=[answer]), "confiance": Answer(choices=[answer])},
    )


async def test_exports_say_what_the_numbers_mean(tmp_path: Path) -> None:
    # The cells stay numbers (to sort and average); the header says what 1 and 5 mean.
    await write_csv([exported("4")], CONSULTATION, tmp_path / "export.csv")
    header, line = read_csv(tmp_path / "export.csv")
    row = dict(zip(header, line, strict=True))
    assert row["aide (1 = pas du tout … 5 = beaucoup)"] == "4"
    assert row["confiance (0 à 6)"] == "4"
    await write_xlsx([exported("2")], CONSULTATION, tmp_path / "export.xlsx")
    workbook = load_workbook(tmp_path / "export.xlsx")
    sheet = workbook["réponses"]
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(2, header.index("aide (1 = pas du tout … 5 = beaucoup)") + 1).value == 2
    described = {row[0]: row for row in workbook["questions"].iter_rows(values_only=True)}
    assert described["aide (1 = pas du tout … 5 = beaucoup)"][4] == (
        "1 (pas du tout) à 5 (beaucoup)"
    )
    assert described["confiance (0 à 6)"][4] == "0 à 6"
