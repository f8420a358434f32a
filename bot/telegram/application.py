"""The python-telegram-bot `Application`, without its memory of every resident ever seen."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, Job


class StatelessApplication(Application[Any, Any, Any, Any, Any, Any]):
    """An `Application` that keeps nothing per resident between updates.

    python-telegram-bot 22 records the user and chat id of every update in two sets that only
    its persistence task empties; this bot has no PTB persistence (state lives in storage), so
    those sets would grow by one entry per resident for ever (measured by bench/throughput.py
    --idle: about 170 bytes per resident). The override is of a private method, pinned by
    tests/telegram/test_application.py.
    """

    def _mark_for_persistence_update(
        self, *, update: object | None = None, job: Job[Any] | None = None
    ) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)
