"""Each group of handlers asked about an update only by the handlers that can take its kind.

python-telegram-bot asks every handler of a group, in order, whether it takes an update, until
one does. The bot has about fifty (staff, relays, privacy, news, moderation, residents), most
of them commands: a resident's button press was checked by every one of them, and none of
those can take a press (measured with `bench/throughput.py`). `index` puts each group's
handlers behind one `KindIndex`, which asks only those that can take the update's kind, in
their order: the handler chosen is the one python-telegram-bot would have chosen
(tests/telegram/test_dispatch.py checks it on every kind of update the tests play).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal, cast

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
)

Kind = Literal["button", "message", "other"]
KINDS: Final[tuple[Kind, ...]] = ("button", "message", "other")
Handler = BaseHandler[Any, Any, Any]


def kind_of(update: object) -> Kind:
    """What an update is, as far as the handlers' classes can tell."""
    if not isinstance(update, Update):
        return "other"
    if update.callback_query is not None:
        return "button"
    if (
        update.message
        or update.edited_message
        or update.channel_post
        or update.edited_channel_post
        or update.business_message
        or update.edited_business_message
        or update.guest_message
    ):
        return "message"
    return "other"


def kinds_taken(handler: Handler) -> frozenset[Kind]:
    """The kinds of update `handler` can take.

    Command and message handlers only take the message kinds (their filters check that
    first), button handlers only presses, chat member handlers neither; any other handler
    (a `TypeHandler`) may take anything.
    """
    if isinstance(handler, CallbackQueryHandler):
        return frozenset({"button"})
    if isinstance(handler, CommandHandler | MessageHandler):
        return frozenset({"message"})
    if isinstance(handler, ChatMemberHandler):
        return frozenset({"other"})
    return frozenset(KINDS)


class KindIndex(BaseHandler[Any, Any, Any]):
    """A group's handlers, in order, asked only about the kinds they can take."""

    def __init__(self, handlers: Sequence[Handler]) -> None:
        super().__init__(_never_called)
        self.handlers = tuple(handlers)
        self._by_kind = {
            kind: tuple(h for h in self.handlers if kind in kinds_taken(h)) for kind in KINDS
        }

    def check_update(self, update: object) -> tuple[Handler, object] | None:
        """The first handler that takes `update`, with what its check found; else None."""
        for handler in self._by_kind[kind_of(update)]:
            check = handler.check_update(update)
            if check is not None and check is not False:
                return handler, check
        return None

    async def handle_update(
        self,
        update: Any,
        application: Application[Any, Any, Any, Any, Any, Any],
        check_result: object,
        context: Any,
    ) -> Any:
        """Handled by the handler `check_update` found."""
        handler, check = cast(tuple[Handler, object], check_result)
        return await handler.handle_update(update, application, check, context)


async def _never_called(update: object, context: object) -> None:
    raise AssertionError("a KindIndex hands updates to its handlers")


def index(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Put each group's handlers behind a `KindIndex`, once all are added.

    Only groups whose handlers all block as the index does (python-telegram-bot's default,
    and this bot's choice everywhere): a handler with another `block` behind the index would
    run as the index does.
    """
    for group, handlers in application.handlers.items():
        indexed = KindIndex(handlers)
        if len(handlers) > 1 and all(h.block is indexed.block for h in handlers):
            application.handlers[group] = [indexed]
