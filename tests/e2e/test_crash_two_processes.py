"""Two `parole run` processes on one token and one database, started by mistake.

Telegram serves one getUpdates at a time per bot: each process's long poll ends the other's
with 409 Conflict (the fake Bot API server does the same). The operator must read one clear
line in each process's log saying what is wrong, not a report of a failed update every
second; residents keep being answered, and no answer is stored twice, whichever process
took it.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from pathlib import Path

import pytest
from telegram.error import Conflict

from bot.telegram.app import CONFLICT_LINE, ErrorLog
from flows.loader import BUILTIN_DIR, load_consultation
from tests.e2e.botprocess import QUARTIERS, WAIT, BotProcess, write_config
from tests.e2e.test_crash_safety import CRASH_REFUSALS, CrashingApi, Resident, plan
from tests.e2e.test_crash_safety import _stored_answers as stored_answers
from tests.fakebotapi import FakeBotApiServer, FakeUser

pytestmark = pytest.mark.timeout(120)

PLAY_SECONDS = 8.0


API = CrashingApi
# An update both processes took is answered twice: the second answer is refused, as after a
# crash.
REFUSALS_EXPECTED = CRASH_REFUSALS


def wait_for_line(log: Path, line: str) -> None:
    deadline = time.monotonic() + WAIT
    while line not in log.read_text():
        assert time.monotonic() < deadline, f"{log.name} never said: {line}"
        time.sleep(0.1)


def test_a_second_process_on_the_same_token_is_one_clear_line_and_doubles_nothing(
    tmp_path: Path, api: CrashingApi, server: FakeBotApiServer
) -> None:
    config = write_config(tmp_path, server, api)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    bots = [BotProcess(config, api, log).start() for log in logs]
    for log in logs:
        wait_for_line(log, CONFLICT_LINE)  # the second one is up, and both said it

    consultation = load_consultation(BUILTIN_DIR / "vivre-ensemble.toml", QUARTIERS)
    rng = random.Random(7)
    stop = threading.Event()
    residents = [
        Resident(api, user, consultation, plan(consultation, rng, user.first_name), rng, stop)
        for user in (FakeUser(id=900_001 + n, first_name=f"R{n}") for n in range(3))
    ]
    threads = [threading.Thread(target=resident.play) for resident in residents]
    for thread in threads:
        thread.start()
    time.sleep(PLAY_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=WAIT)
    for bot in bots:
        assert bot.stop() == 0

    assert api.conflicts >= 2
    for log in logs:
        lines = log.read_text().splitlines()
        problems = [line for line in lines if " INFO " not in line]
        assert len(problems) == 1, lines
        assert problems[0].endswith(f" ERROR bot.telegram.app: {CONFLICT_LINE}"), lines

    # Every answer a resident saw taken is stored once, as given, in their one session.
    stored = stored_answers(tmp_path / "parole.sqlite3")
    for resident in residents:
        mine = stored.get(resident.user.id, {})
        assert len(resident.acknowledged) >= 3, "the residents were not answered"
        assert resident.acknowledged <= mine.keys()
        for step, answer in mine.items():
            assert answer == resident.answers[step].stored, (resident.user.id, step, answer)


def test_the_conflict_line_comes_again_every_five_minutes_while_it_lasts(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    errors = ErrorLog(clock=lambda: now[0])
    conflict = Conflict("Conflict: terminated by other getUpdates request")
    with caplog.at_level(logging.INFO, logger="bot.telegram.app"):
        for second in range(0, 601, 2):  # PTB tries again every second or two
            now[0] = float(second)
            errors.fetch_failed(conflict)
    assert [r.getMessage() for r in caplog.records] == [CONFLICT_LINE] * 3  # 0, 300, 600 s
