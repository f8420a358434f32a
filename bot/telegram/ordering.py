"""Concurrency across residents, strict order within one resident."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.confirmation import HANDLING, Unconfirmed


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Processes updates concurrently, but one resident's updates one after another.

    Each resident gets a FIFO lock while they have updates in flight; it is dropped when the
    last one finishes, so idle residents cost no memory. Each update done is told to
    `unconfirmed`, which then lets Telegram forget it.
    """

    def __init__(self, max_concurrent_updates: int, unconfirmed: Unconfirmed | None = None) -> None:
        # PTB's own limit is taken before `do_process_update`, so it would count the updates
        # waiting for their sender's earlier ones: one sender's backlog (a burst answered at
        # one message a second, commands in a group answered at 20 a minute) would hold
        # every slot and stall everyone else. The limit applies here, once an update's turn
        # has come.
        super().__init__(sys.maxsize)
        self._running = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self._unconfirmed = unconfirmed

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run `coroutine` once the same resident's earlier updates are done."""
        if self._unconfirmed is None or not isinstance(update, Update):
            await self._in_turn(update, coroutine)
            return
        handling = HANDLING.set(update.update_id)
        try:
            await self._in_turn(update, coroutine)
        finally:
            HANDLING.reset(handling)
            self._unconfirmed.handled(update.update_id)

    async def _in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _resident(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock, self._running:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    @property
    def residents_in_flight(self) -> int:
        """How many residents have updates being processed or waiting."""
        return len(self._locks)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _resident(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None
