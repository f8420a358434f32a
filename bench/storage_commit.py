"""Group-commit throughput of `SqliteStore`: residents answering at the same time.

Each resident commits its turns one after the other (as the bot does: the next turn waits
for the previous one), all residents at once. The first turn creates the session, each turn
saves one answer, every fifth one also removes the previous answer, the last one completes
the session. Participants are created before the clock starts.

    python bench/storage_commit.py [--residents 100] [--turns 20] [--runs 3] [--dir DIR]
                                   [--synchronous FULL]

The database lives in a fresh temporary directory (under DIR if given: put it on the disk
you care about, fsync costs differ). `--synchronous OFF` leaves fsync out, to see what the
store itself costs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import storage.sqlite
from flows.state import Answer, Phase, SessionState
from storage.base import Channel, Status, Turn
from storage.sqlite import SqliteStore

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
CONSULTATION = "bench"


def make_turn(participant_id: int, session_id: int | None, index: int, last: bool) -> Turn:
    """The resident's turn number `index`."""
    saved = {f"q{index}": Answer(choices=["a", "b"], text="réponse libre" * (index % 3))}
    removed = [f"q{index - 1}"] if index % 5 == 4 else []
    status = Status.COMPLETED if last else Status.ACTIVE
    state = SessionState(
        consultation_id=CONSULTATION,
        phase=Phase.DONE if last else Phase.QUESTION,
        step_id=None if last else f"q{index + 1}",
        history=[f"q{i}" for i in range(index + 1)],
        answers=saved,
        position=index + 1,
    )
    return Turn(
        participant_id=participant_id,
        consultation_id=CONSULTATION,
        channel=Channel.TELEGRAM,
        state=state,
        status=status,
        now=NOW + dt.timedelta(seconds=index),
        session_id=session_id,
        saved=saved,
        removed=removed,
        update_key=f"tg:{participant_id}:{index}",
    )


async def resident(store: SqliteStore, participant_id: int, turns: int) -> None:
    """One resident's turns, each awaited before the next."""
    session_id: int | None = None
    for index in range(turns):
        session_id = await store.commit(
            make_turn(participant_id, session_id, index, last=index == turns - 1)
        )


async def run(path: Path, residents: int, turns: int, synchronous: str) -> tuple[float, int]:
    """Seconds taken and transactions used by one run on a new database at `path`."""
    async with SqliteStore(path, synchronous=synchronous) as store:
        people = [await store.participant(f"pseudo-{i}", NOW) for i in range(residents)]
        before = store.transactions
        start = time.perf_counter()
        await asyncio.gather(*(resident(store, who.id, turns) for who in people))
        elapsed = time.perf_counter() - start
        return elapsed, store.transactions - before


def main() -> None:
    """Parse the arguments, run, print turns per second."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--synchronous", default="FULL")
    args = parser.parse_args()
    total = args.residents * args.turns
    print(f"store: {storage.sqlite.__file__}")
    rates = []
    for number in range(args.runs):
        with tempfile.TemporaryDirectory(dir=args.dir) as directory:
            path = Path(directory) / "bench.sqlite3"
            elapsed, transactions = asyncio.run(
                run(path, args.residents, args.turns, args.synchronous)
            )
        rates.append(total / elapsed)
        print(
            f"run {number + 1}: {total} turns in {elapsed:.3f} s, {transactions} transactions: "
            f"{rates[-1]:.0f} turns/s"
        )
    print(
        f"{args.residents} residents x {args.turns} turns, synchronous={args.synchronous}: "
        f"median {statistics.median(rates):.0f} turns/s"
    )


if __name__ == "__main__":
    main()
