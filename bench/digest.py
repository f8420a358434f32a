"""Staff digest at scale: a generated consultation of 100,000 residents, timed.

    python bench/digest.py [--participants 100000] [--answers-per-session 10] [--db PATH]
                           [--repeat 2]

Generates the data straight into SQLite (bulk inserts in one transaction, the schema of
`storage.migrations`): one session per participant of the default consultation, started over
8 weeks, realistic answers (quartier, profile, multiple choices with "Autre" texts, optional
free texts, skips), about two thirds completed. Then builds the digest for the whole history
and for the last week, each in a fresh process so its peak memory (VmHWM) is its own; the
time printed first is `build_digest` alone (store open, migrations and imports left out).

`--db PATH` keeps the database: an existing file is reused as it is, so runs can be repeated
without generating again. Without it the database lives in a temporary directory.

Adding a measurement (the exports will): write `async def job(db: Path) -> str` (it returns
a short note to print), register it in `JOBS`, and it is timed like the digest, in its own
process. `generate()` and `default_consultation()` can be imported from here.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import itertools
import multiprocessing
import random
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from flows.loader import BUILTIN_DIR, load_consultation
from flows.model import (
    OTHER_CODE,
    YES,
    ChoiceStepBase,
    Consultation,
    MultiStep,
    ScaleStep,
    Step,
    TextStep,
    YesNoStep,
)
from flows.state import Answer, Phase, SessionState
from storage.migrations import migrate

QUARTIERS = ("Bourgogne", "Pont-Rompu", "Virolois")
# The generated history ends here; the last-week digest is the week before.
END = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
WEEKS = 8
START = END - dt.timedelta(weeks=WEEKS)
SEED = 2026
CHUNK = 5000  # residents written per executemany

# Run as `python bench/digest.py`, this file's folder heads sys.path and the file's name
# would shadow the `digest` package: drop the folder (nothing else is imported from it).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _HERE]

# How residents reach the bot: mostly Telegram, some through relays and paper forms.
CHANNELS = (("telegram", 85), ("assisted", 8), ("paper", 5), ("console", 2))
# Skewed weights so rankings are not flat (the first options are the most picked).
WORDS = (
    "plus de bancs et d'ombre sur la place",
    "un local pour les jeunes le soir",
    "des médiateurs dans la rue le week-end",
    "des repas partagés entre voisins",
    "un jardin partagé au pied des immeubles",
    "mieux éclairer le chemin vers l'arrêt de bus",
    "une permanence de la mairie dans le quartier",
    "des cours de français pour les parents",
    "le centre social ferme trop tôt",
    "les ascenseurs sont souvent en panne",
    "la fête de quartier en juin",
    "l'association de locataires",
)
OTHER_TEXTS = ("Saint-Laurent", "Les Glacis", "mon voisin", "centre-ville", "les commerçants")


def default_consultation() -> Consultation:
    """The default consultation with the bench's quartiers."""
    return load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)


@dataclass(frozen=True)
class Generated:
    """What `generate` wrote."""

    participants: int
    sessions: int
    answers: int
    start: dt.datetime
    end: dt.datetime


def _ts(value: dt.datetime) -> str:
    """The store's timestamp format (see storage.sqlite_common.stamp)."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


class _Answers:
    """Random but plausible answers, with JSON encodings cached (choices repeat a lot)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._json: dict[tuple[tuple[str, ...], bool], str] = {}

    def encode(self, answer: Answer) -> str:
        """`answer` as the store writes it."""
        if answer.text is not None:
            return answer.model_dump_json()
        key = (tuple(answer.choices), answer.skipped)
        cached = self._json.get(key)
        if cached is None:
            cached = self._json[key] = answer.model_dump_json()
        return cached

    def text(self) -> str:
        """A free text of one to three fragments, with a number so texts differ."""
        parts = self.rng.sample(WORDS, self.rng.randint(1, 3))
        return f"{', '.join(parts).capitalize()} ({self.rng.randint(1, 999)})"

    def _weighted(self, codes: list[str], count: int) -> list[str]:
        """`count` distinct codes, the first ones more likely."""
        weights = [len(codes) - index for index in range(len(codes))]
        picked: list[str] = []
        while len(picked) < count:
            code = self.rng.choices(codes, weights)[0]
            if code not in picked:
                picked.append(code)
        return sorted(picked, key=codes.index)

    def answer(self, step: Step) -> Answer:
        """One resident's answer to `step`."""
        rng = self.rng
        if step.optional and rng.random() < (0.5 if isinstance(step, TextStep) else 0.1):
            return Answer(skipped=True)
        if isinstance(step, TextStep):
            return Answer(text=self.text())
        if isinstance(step, YesNoStep):
            return Answer(choices=[YES if rng.random() < 0.6 else "no"])
        if isinstance(step, ScaleStep):
            return Answer(choices=[str(rng.randint(step.min, step.max))])
        assert isinstance(step, ChoiceStepBase)
        codes = [option.code for option in step.options]
        if isinstance(step, MultiStep):
            most = min(step.max_picks or 3, 3, len(codes))
            picks = self._weighted(codes, rng.randint(step.min_picks, most))
        else:
            picks = self._weighted(codes, 1)
        if step.other and rng.random() < 0.05:
            picks = [*picks, OTHER_CODE] if isinstance(step, MultiStep) else [OTHER_CODE]
            # Most "Autre" come with their text; some residents skip it.
            text = rng.choice(OTHER_TEXTS) if rng.random() < 0.8 else None
            return Answer(choices=picks, text=text)
        return Answer(choices=picks)


def _sessions_steps(rng: random.Random, questions: int, per_session: float) -> int:
    """How many questions a session answers, so the mean is about `per_session`."""
    # Completed sessions answer every question; the others stop uniformly before the end.
    half = questions / 2
    if per_session >= half:
        completion = min(1.0, (per_session - half) / half)
        if rng.random() < completion:
            return questions
        return rng.randint(1, questions - 1)
    return rng.randint(1, max(1, round(2 * per_session) - 1))


def _residents(
    consultation: Consultation, participants: int, answers_per_session: float, seed: int
) -> Iterator[tuple[tuple[object, ...], tuple[object, ...], list[tuple[object, ...]]]]:
    """Each resident's participant row, session row and answer rows, oldest first."""
    questions = consultation.questions()
    rng = random.Random(seed)
    maker = _Answers(rng)
    span = (END - START).total_seconds()
    channels = [name for name, _ in CHANNELS]
    channel_weights = [weight for _, weight in CHANNELS]
    # More residents early on (launch) than later, never after END; ids grow with time, as
    # the store hands them out.
    starts = sorted(
        START + dt.timedelta(seconds=span * (rng.random() ** 1.3)) for _ in range(participants)
    )
    for number, started in enumerate(starts, start=1):
        answered = _sessions_steps(rng, len(questions), answers_per_session)
        # Most answer in one go; a quarter come back a few days later.
        gaps = [rng.uniform(10, 90) for _ in range(answered)]
        if rng.random() < 0.25 and answered > 2:
            gaps[answered // 2] += rng.uniform(3600, 4 * 86400)
        when = started
        values: dict[str, Answer] = {}
        answers: list[tuple[object, ...]] = []
        for step, gap in zip(questions[:answered], gaps, strict=True):
            when = min(when + dt.timedelta(seconds=gap), END - dt.timedelta(seconds=1))
            answer = maker.answer(step)
            values[step.id] = answer
            stamp = _ts(when)
            answers.append((number, step.id, maker.encode(answer), stamp, stamp))
        done = answered == len(questions)
        state = SessionState(
            consultation_id=consultation.id,
            phase=Phase.DONE if done else Phase.QUESTION,
            step_id=None if done else questions[answered].id,
            history=[step.id for step in questions[:answered]],
            answers=values,
            position=answered + 1,
        )
        person = (number, hashlib.sha256(b"%d" % number).hexdigest(), "fr", _ts(started), number)
        session = (
            number,
            number,
            consultation.id,
            rng.choices(channels, channel_weights)[0],
            "completed" if done else "active",
            state.model_dump_json(),
            _ts(started),
            _ts(when),
            _ts(when) if done else None,
        )
        yield person, session, answers


def generate(
    path: Path,
    participants: int,
    answers_per_session: float = 10,
    *,
    consultation: Consultation | None = None,
    seed: int = SEED,
) -> Generated:
    """Write `participants` residents, one session each, into a new database at `path`."""
    consultation = consultation or default_consultation()
    path.parent.mkdir(parents=True, exist_ok=True)
    sessions = answers = 0
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn)
        conn.execute("PRAGMA synchronous = OFF")  # a benchmark's data: speed over durability
        conn.execute("BEGIN")
        residents = _residents(consultation, participants, answers_per_session, seed)
        # In chunks, so memory stays flat whatever the number of residents.
        while chunk := list(itertools.islice(residents, CHUNK)):
            conn.executemany(
                "INSERT INTO participants (id, pseudonym, lang, created_at, current_session_id) "
                "VALUES (?, ?, ?, ?, ?)",
                [person for person, _, _ in chunk],
            )
            conn.executemany(
                "INSERT INTO sessions (id, participant_id, consultation_id, channel, status, "
                "state, created_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [session for _, session, _ in chunk],
            )
            rows = [row for _, _, answered in chunk for row in answered]
            conn.executemany(
                "INSERT INTO answers (session_id, step_id, value, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )
            sessions += len(chunk)
            answers += len(rows)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Generated(participants, sessions, answers, START, END)


# -- measurements ---------------------------------------------------------------------------


async def digest_whole(db: Path) -> str:
    """The digest of the whole history."""
    return await _digest(db, START, END)


async def digest_week(db: Path) -> str:
    """The digest of the last week."""
    return await _digest(db, END - dt.timedelta(weeks=1), END)


async def _digest(db: Path, start: dt.datetime, end: dt.datetime) -> str:
    """Build one digest and sum it up."""
    from digest.aggregate import build_digest
    from digest.model import Period
    from storage.sqlite import SqliteStore

    consultation = default_consultation()
    async with SqliteStore(db) as store:
        began = time.perf_counter()
        built = await build_digest(store, consultation, Period(start, end))
        seconds = time.perf_counter() - began
    totals = built.totals
    return (
        f"{seconds:.3f} s in build_digest; {totals.sessions_started} sessions started, "
        f"{totals.completed} completed, {sum(c.answered + c.skipped for c in built.choices)} "
        "choice answers"
    )


async def export_csv(db: Path) -> str:
    """The CSV export of every session, streamed from the store."""
    return await _export(db, "csv")


async def export_xlsx(db: Path) -> str:
    """The XLSX export of every session, streamed from the store."""
    return await _export(db, "xlsx")


async def _export(db: Path, kind: str) -> str:
    """Write one export into a temporary folder and sum it up."""
    from digest import exports
    from storage.sqlite import SqliteStore

    consultation = default_consultation()
    write = exports.export_csv if kind == "csv" else exports.export_xlsx
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"export.{kind}"
        async with SqliteStore(db) as store:
            began = time.perf_counter()
            rows = await write(store, consultation, path)
            seconds = time.perf_counter() - began
        size = path.stat().st_size
    return f"{seconds:.3f} s in export_{kind}; {rows} sessions, {size / 1e6:.1f} MB"


Job = Callable[[Path], Coroutine[Any, Any, str]]
# Name -> measurement; each runs in its own process (see `_measure`).
JOBS: dict[str, Job] = {
    "digest (whole history)": digest_whole,
    "digest (last week)": digest_week,
    "export csv": export_csv,
    "export xlsx": export_xlsx,
}


def _child(name: str, db: Path, results: multiprocessing.SimpleQueue[object]) -> None:
    """Run one job in this fresh process and report seconds, peak memory and its note."""
    began = time.perf_counter()
    note = asyncio.run(JOBS[name](db))
    seconds = time.perf_counter() - began
    results.put((seconds, _peak_memory(), note))


def _peak_memory() -> int:
    """This process's peak resident memory in bytes."""
    # VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec, so a process spawned by a
    # parent that generated the data would report the parent's peak.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _measure(name: str, db: Path) -> tuple[float, int, str]:
    """Seconds (wall, whole job), peak resident memory in bytes and the note of one job."""
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.SimpleQueue[object] = context.SimpleQueue()
    process = context.Process(target=_child, args=(name, db, results))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"{name}: the measuring process failed ({process.exitcode})")
    seconds, peak, note = cast(tuple[float, int, str], results.get())
    return seconds, peak, note


def _counts(db: Path) -> tuple[int, int, int]:
    """Participants, sessions and answers in the database."""
    with closing(sqlite3.connect(db)) as conn:
        people, sessions, answers = (
            int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("participants", "sessions", "answers")
        )
    return people, sessions, answers


def run(db: Path, participants: int, answers_per_session: float, repeat: int) -> None:
    """Generate the data unless `db` exists, then time every job."""
    if db.exists():
        print(f"reusing {db}")
    else:
        began = time.perf_counter()
        generate(db, participants, answers_per_session)
        print(f"generated {db} in {time.perf_counter() - began:.1f} s")
    people, sessions, answers = _counts(db)
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    print(
        f"{people} participants, {sessions} sessions, {answers} answers, "
        f"{size / 1e6:.0f} MB on disk"
    )
    for name in JOBS:
        for number in range(repeat):
            seconds, peak, note = _measure(name, db)
            print(
                f"{name}, run {number + 1}: {note}; process {seconds:.2f} s, "
                f"peak memory {peak / 1e6:.0f} MB"
            )


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--answers-per-session", type=float, default=10)
    parser.add_argument("--db", type=Path, default=None, help="keep (or reuse) this database")
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement")
    args = parser.parse_args()
    if args.db is not None:
        run(args.db, args.participants, args.answers_per_session, args.repeat)
        return
    with tempfile.TemporaryDirectory() as directory:
        run(
            Path(directory) / "digest.sqlite3",
            args.participants,
            args.answers_per_session,
            args.repeat,
        )


if __name__ == "__main__":
    main()
