"""Wiring: one function builds the Telegram application from settings and its collaborators."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

from telegram import Update
from telegram.constants import ChatType
from telegram.error import Conflict, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    ContextTypes,
    ExtBot,
)
from telegram.request import BaseRequest

from bot import bootstrap
from bot.conversation import Clock, Conversations, utc_now
from bot.failures import described
from bot.moderation import Moderation
from bot.privacy import Privacy
from bot.retention import RetentionJob
from bot.scheduling import DigestJobs, smtp_server
from bot.settings import Settings
from bot.telegram import (
    dispatch,
    flood,
    moderation,
    news,
    poster,
    relay,
    resident,
    staff,
    staff_setup,
)
from bot.telegram import privacy as privacy_handlers
from bot.telegram.application import StatelessApplication
from bot.telegram.confirmation import Unconfirmed
from bot.telegram.ordering import PerUserUpdateProcessor
from bot.telegram.ratelimit import configured_limiter
from bot.telegram.screenbot import ParoleBot
from bot.telegram.transport import ParoleRequest
from digest.dispatch import Destination, DigestStore, RetryPolicy
from digest.email import EmailDestination
from flows.model import LANGS, Consultation
from flows.texts import ERROR_MESSAGE
from storage.base import Channel
from storage.moderation import ModerationStore
from storage.privacy import PrivacyStore

log = logging.getLogger(__name__)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]

# While fetching updates keeps failing the same way (PTB tries again every 1 to 30 s), its
# line is logged again at most this often, so the journal says it without filling up.
POLLING_REPEAT_SECONDS = 300.0
CONFLICT_LINE = (
    "another process is fetching this bot's updates (Telegram says 409 Conflict): only one "
    "`parole run` may run per token, stop the other one; until then each gets part of the "
    "residents' messages"
)


def build_application(
    settings: Settings,
    store: relay.AppStore,
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
    notice = bootstrap.notice(settings)
    conversations = Conversations(
        store,
        consultations,
        secret.get_secret_value(),
        channel=Channel.TELEGRAM,
        clock=clock,
        timezone=settings.consultation.timezone,
        notice=notice,
    )
    # SqliteStore is also a PrivacyStore (see storage.sqlite_privacy).
    privacy_store = cast(PrivacyStore, store)
    privacy = Privacy(
        privacy_store,
        consultations,
        secret.get_secret_value(),
        channel=Channel.TELEGRAM,
        notice=notice,
    )

    # The staff commands beyond /digest, /stats and /export (staff.STAFF_COMMANDS).
    staff_menu = [
        *relay.staff_menu(),
        *news.staff_menu(),
        *moderation.staff_menu(),
        *poster.staff_menu(),
    ]

    async def post_init(application: TelegramApp) -> None:
        await store.open()
        await _register_commands(application)
        await staff.register_commands(
            application.bot, settings.staff, resident.menu("fr"), staff_menu
        )

    unconfirmed = Unconfirmed()

    async def post_stop(application: TelegramApp) -> None:
        # Every update fetched is handled by now (the application's stop waits for them):
        # confirming them spares residents a reply to an update handed again at the next start.
        if unconfirmed.fetched_any:
            try:
                await application.bot.get_updates(timeout=0, allowed_updates=Update.ALL_TYPES)
            except TelegramError as error:
                log.warning(
                    "could not confirm the last updates, handed again at the next start: %s",
                    error.message,
                )

    async def post_shutdown(application: TelegramApp) -> None:
        await store.close()

    bot = ParoleBot(
        token.get_secret_value(),
        base_url=settings.telegram.base_url,
        base_file_url=settings.telegram.base_file_url,
        # What ApplicationBuilder would build: a pool as large as the updates processed at
        # once, and one connection for long polling.
        request=request or ParoleRequest(connection_pool_size=256),
        get_updates_request=updates_request or request or ParoleRequest(connection_pool_size=1),
        rate_limiter=configured_limiter(settings.telegram),
        unconfirmed=unconfirmed,
    )
    application = (
        ApplicationBuilder()
        .application_class(StatelessApplication)
        .bot(bot)
        .concurrent_updates(
            PerUserUpdateProcessor(settings.telegram.max_concurrent_updates, unconfirmed)
        )
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    # Staff first: their handlers only match staff, and the residents' catch every command.
    staff.register(application, settings, store, consultations, clock=clock, menu=staff_menu)
    poster.register(application, settings, consultations, clock=clock)
    staff_setup.register(
        application,
        settings.staff,
        [*(name for name, _ in staff.STAFF_COMMANDS), *(c.command for c in staff_menu)],
        before_residents=relay.GROUP,
    )
    relays, entries = relay.use_cases(settings, store, consultations, notice=notice, clock=clock)
    relay.register_staff(application, relays, settings.staff)
    relay.register(
        application,
        relays,
        entries,
        conversations,
        staff=settings.staff,
        staff_commands=staff.staff_commands(staff_menu),
        max_text_length=settings.limits.max_text_length,
    )
    flood.register(application, settings.limits)
    privacy_handlers.register(application, privacy, clock=clock)
    news.register(application, privacy, settings.staff)
    # SqliteStore is also a ModerationStore (see storage.sqlite_moderation).
    moderation.register(
        application,
        Moderation(cast(ModerationStore, store), clock=clock),
        settings,
        consultations,
    )
    resident.register(
        application,
        conversations,
        privacy,
        max_text_length=settings.limits.max_text_length,
        clock=clock,
    )
    RetentionJob(privacy_store, settings, clock).register(application)
    if settings.digest.schedules:
        digest_jobs(application, settings, store, consultations, clock=clock).register(application)
    application.add_error_handler(ErrorLog().handle)
    dispatch.index(application)  # once every handler is added
    return application


async def _register_commands(application: TelegramApp) -> None:
    """The command menu in French (also the default) and English; failing here is not fatal."""
    for lang in (*LANGS, None):
        commands = resident.menu(lang or "fr")
        try:
            await application.bot.set_my_commands(commands, language_code=lang)
        except TelegramError as error:
            log.warning("could not register the command menu (%s): %s", lang, error.message)


def standalone_bot(settings: Settings) -> ExtBot[Any]:
    """A bot for a one-off command (`parole digest --send`, `parole news --send`).

    It keeps the running bot's pace (a staff group takes 20 messages a minute, a resident's
    chat one a second), so a command never trips Telegram's limits where `parole run` would
    not.
    """
    token = settings.telegram.token
    if token is None:
        raise ValueError("telegram.token is missing (or set PAROLE_TELEGRAM__TOKEN)")
    return ExtBot(
        token.get_secret_value(),
        base_url=settings.telegram.base_url,
        base_file_url=settings.telegram.base_file_url,
        rate_limiter=configured_limiter(settings.telegram),
    )


def digest_jobs(
    application: TelegramApp,
    settings: Settings,
    store: DigestStore,
    consultations: Sequence[Consultation],
    *,
    clock: Clock = utc_now,
    retry: RetryPolicy | None = None,
) -> DigestJobs:
    """The digest schedules, delivering to every staff chat and, if configured, by e-mail."""
    destinations: list[Destination] = [
        staff.TelegramChat(application.bot, chat_id) for chat_id in settings.staff.chat_ids
    ]
    server = smtp_server(settings.digest.email)
    if server is not None:
        destinations.append(EmailDestination(server))
    return DigestJobs(settings, store, consultations, destinations, clock=clock, retry=retry)


class ErrorLog:
    """The error handler: a failed update, or fetching updates failing, as one log line."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """`clock` (seconds, monotonic) paces the repeated polling lines."""
        self._clock = clock
        self._polling: dict[str, float] = {}

    async def handle(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the error; a resident whose update failed is told their answers are safe.

        A failed update goes no further: python-telegram-bot would otherwise hand it to the
        next group's handlers, which would read it another way (a relay's answer typed for
        the person met taken as the relay's own, a staff command as a resident's).
        """
        error = context.error
        if update is None and context.job is None and isinstance(error, TelegramError):
            # Only the update fetcher reports an error with neither an update nor a job.
            self.fetch_failed(error)
            return
        await _update_failed(update, error)
        if isinstance(update, Update):
            raise ApplicationHandlerStop

    def fetch_failed(self, error: TelegramError) -> None:
        """One line saying what is wrong, not a traceback of PTB's polling loop each time."""
        kind = type(error).__name__
        now = self._clock()
        last = self._polling.get(kind)
        if last is not None and now - last < POLLING_REPEAT_SECONDS:
            return
        self._polling[kind] = now
        if isinstance(error, Conflict):
            log.error(CONFLICT_LINE)
        elif isinstance(error, NetworkError):
            log.warning("cannot reach Telegram to fetch updates (%s): trying again", error.message)
        else:
            log.error("fetching updates failed (%s: %s): trying again", kind, error.message)


async def _update_failed(update: object, error: BaseException | None) -> None:
    """Log a failed update without its content, and tell the resident their answers are safe.

    Only the error's type and where it happened are logged (see `bot.failures`).
    """
    log.error("an update failed: %s", described(error))
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    try:
        await chat.send_message(ERROR_MESSAGE)
    except TelegramError as failure:
        log.warning("could not tell a resident about an error: %s", type(failure).__name__)
