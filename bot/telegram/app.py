"""Wiring: one function builds the Telegram application from settings and its collaborators."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest

from bot.conversation import Clock, Conversations, utc_now
from bot.settings import Settings
from bot.telegram import resident
from bot.telegram.ordering import PerUserUpdateProcessor
from flows.model import LANGS, Consultation
from flows.texts import say
from storage.base import Channel, Store

log = logging.getLogger(__name__)

COMMANDS = ("start", "reprendre", "langue", "aide")

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


def build_application(
    settings: Settings,
    store: Store,
    consultations: Sequence[Consultation],
    *,
    clock: Clock = utc_now,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
) -> TelegramApp:
    """The bot, ready for `run_polling` or for tests feeding updates to `process_update`.

    The store is opened when the application initialises and closed when it shuts down.
    `request` replaces the HTTP transport (tests use a fake that never reaches Telegram).
    """
    token = settings.telegram.token
    if token is None:
        raise ValueError("telegram.token is missing (or set PAROLE_TELEGRAM__TOKEN)")
    secret = settings.privacy.pseudonym_secret
    if secret is None:
        raise ValueError("privacy.pseudonym_secret is missing")
    conversations = Conversations(
        store,
        consultations,
        secret.get_secret_value(),
        channel=Channel.TELEGRAM,
        clock=clock,
        timezone=settings.consultation.timezone,
    )

    async def post_init(application: TelegramApp) -> None:
        await store.open()
        await _register_commands(application)

    async def post_shutdown(application: TelegramApp) -> None:
        await store.close()

    builder = (
        ApplicationBuilder()
        .token(token.get_secret_value())
        .base_url(settings.telegram.base_url)
        .base_file_url(settings.telegram.base_file_url)
        .concurrent_updates(PerUserUpdateProcessor(settings.telegram.max_concurrent_updates))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    application = builder.build()
    resident.register(application, conversations)
    application.add_error_handler(_log_error)
    return application


async def _register_commands(application: TelegramApp) -> None:
    """The command menu in French (also the default) and English; failing here is not fatal."""
    for lang in (*LANGS, None):
        commands = [BotCommand(c, say(f"cmd_{c}", lang or "fr")) for c in COMMANDS]
        try:
            await application.bot.set_my_commands(commands, language_code=lang)
        except TelegramError as error:
            log.warning("could not register the command menu (%s): %s", lang, error.message)


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log a failed update without its content: residents' words never reach the log."""
    error = context.error
    log.error(
        "an update failed: %s",
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )
