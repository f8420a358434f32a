"""Concurrency across residents, strict order within one resident."""

from __future__ import annotations

import asyncio
import sys
from collections import deque
from collections.abc import Awaitable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.confirmation import HANDLING, Unconfirmed


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Processes updates concurrently, but one resident's updates one after another.

    A resident is known while they have updates in flight, and forgotten when the last one
    finishes, so idle residents cost no memory. Each update done is told to `unconfirmed`,
    which then lets Telegram forget it.

    The two queues (a resident's updates, then the slots) are futures in deques rather than
    an `asyncio.Lock` per resident and a semaphore: most updates find both free, and then
    take them without a coroutine or a lock object of their own (the pair cost about 6 % of
    the bot's time under the crowd of `bench/throughput.py`, py-spy).
    """

    def __init__(self, max_concurrent_updates: int, unconfirmed: Unconfirmed | None = None) -> None:
        # PTB's own limit is taken before `do_process_update`, so it would count the updates
        # waiting for their sender's earlier ones: one sender's backlog (a burst answered at
        # one message a second, commands in a group answered at 20 a minute) would hold
        # every slot and stall everyone else. The limit applies here, once an update's turn
        # has come.
        super().__init__(sys.maxsize)
        self._limit = max_concurrent_updates
        self._running = 0
        self._for_slot: deque[asyncio.Future[None]] = deque()
        # Resident -> their updates waiting behind the one under way (none: an empty tuple).
        self._residents: dict[int, deque[asyncio.Future[None]] | tuple[()]] = {}
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
        try:
            if key is not None:
                behind = self._residents.get(key)
                if behind is None:
                    self._residents[key] = ()
                else:
                    await self._wait_turn(key, behind)
        except asyncio.CancelledError:
            _drop(coroutine)
            raise
        try:
            if self._running < self._limit and not self._for_slot:
                self._running += 1
            else:
                try:
                    await self._wait_slot()
                except asyncio.CancelledError:
                    _drop(coroutine)
                    raise
            try:
                await coroutine
            finally:
                self._free_slot()
        finally:
            if key is not None:
                self._pass_turn(key)

    async def _wait_turn(self, key: int, behind: deque[asyncio.Future[None]] | tuple[()]) -> None:
        """Wait until the resident's earlier updates are done."""
        if not isinstance(behind, deque):
            behind = self._residents[key] = deque()
        turn = asyncio.get_running_loop().create_future()
        behind.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._pass_turn(key)  # given the turn as it was cancelled: hand it on
            raise

    def _pass_turn(self, key: int) -> None:
        """The resident's update under way is done: start their next one, or forget them."""
        behind = self._residents[key]
        while behind:
            turn = behind.popleft()
            if not turn.done():  # a cancelled one is passed over
                turn.set_result(None)
                return
        del self._residents[key]

    async def _wait_slot(self) -> None:
        """Wait for one of the running updates to finish and hand its slot over."""
        slot = asyncio.get_running_loop().create_future()
        self._for_slot.append(slot)
        try:
            await slot
        except asyncio.CancelledError:
            if slot.done() and not slot.cancelled():
                self._free_slot()  # given the slot as it was cancelled: hand it on
            raise

    def _free_slot(self) -> None:
        """Hand this slot to the first update waiting for one, else free it."""
        while self._for_slot:
            slot = self._for_slot.popleft()
            if not slot.done():
                slot.set_result(None)
                return
        self._running -= 1

    @property
    def residents_in_flight(self) -> int:
        """How many residents have updates being processed or waiting."""
        return len(self._residents)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _drop(coroutine: Awaitable[Any]) -> None:
    """Close the handling of an update cancelled before it ran (else Python warns that it
    was never awaited)."""
    if isinstance(coroutine, Coroutine):
        coroutine.close()


def _resident(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None
