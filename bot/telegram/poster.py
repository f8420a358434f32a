"""/affiche: the city's print-ready poster of a consultation, its QR code opening the bot on
that consultation (a flyer campaign, a poster in a hall, a slide at a public meeting)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final
from zoneinfo import ZoneInfo

from telegram import BotCommand, Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.conversation import Clock
from bot.flyer import flyer_png
from bot.relays import deep_link
from bot.settings import Settings
from bot.telegram.staff import StaffOnly
from flows.model import Consultation
from flows.typography import french_spacing

TelegramApp = Application[Any, Any, Any, Any, Any, Any]

MENU: Final = "Affiche à imprimer : le QR code d'une consultation"
CAPTION: Final = (
    "Affiche « {title} » ({when}) : {link}\n"
    "À imprimer (10 cm de large à 300 dpi) ou à partager. Qui la scanne arrive sur cette "
    "consultation ; avant l'ouverture, le bot lui dit le jour où elle ouvre."
)
NOTHING: Final = "Aucune consultation n'est ouverte ni à venir : pas d'affiche à faire."
UNKNOWN: Final = "Pas de consultation « {wanted} ». Celles du bot : {ids}."
CLOSED: Final = "La consultation « {title} » est fermée depuis le {date} : pas d'affiche à faire."


def staff_menu() -> list[BotCommand]:
    """/affiche, for the staff's command menu and /aide."""
    return [BotCommand("affiche", MENU)]


def _day(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


class PosterHandlers:
    """Posters for the consultations a city runs."""

    def __init__(self, consultations: Sequence[Consultation], timezone: str, clock: Clock) -> None:
        self.consultations = consultations
        self.zone = ZoneInfo(timezone)
        self.clock = clock

    def _today(self) -> dt.date:
        return self.clock().astimezone(self.zone).date()

    async def poster(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/affiche [consultation]: one poster per consultation open or still to open, or the
        one named."""
        chat = update.effective_chat
        assert chat is not None
        today = self._today()
        if context.args:
            wanted = context.args[0].lower()
            chosen = [c for c in self.consultations if c.id == wanted]
            if not chosen:
                ids = ", ".join(c.id for c in self.consultations)
                await chat.send_message(french_spacing(UNKNOWN.format(wanted=wanted, ids=ids)))
                return
            if chosen[0].closes < today:
                closed = CLOSED.format(title=chosen[0].title.fr, date=_day(chosen[0].closes))
                await chat.send_message(french_spacing(closed))
                return
        else:
            chosen = [c for c in self.consultations if today <= c.closes]
        if not chosen:
            await chat.send_message(french_spacing(NOTHING))
            return
        for consultation in chosen:
            link = deep_link(context.bot.username, consultation.id)
            title = consultation.title.fr
            when = (
                f"ouverte jusqu'au {_day(consultation.closes)}"
                if consultation.is_open(today)
                else f"du {_day(consultation.opens)} au {_day(consultation.closes)}"
            )
            caption = CAPTION.format(title=title, when=when, link=link)
            await chat.send_photo(
                flyer_png(link, title),
                caption=french_spacing(caption),
                filename=f"affiche-{consultation.id}.png",
            )


def register(
    application: TelegramApp,
    settings: Settings,
    consultations: Sequence[Consultation],
    *,
    clock: Clock,
) -> None:
    """Add /affiche for staff; call before the residents' catch-all handlers."""
    h = PosterHandlers(consultations, settings.consultation.timezone, clock)
    allowed = filters.UpdateType.MESSAGE & StaffOnly(settings.staff)
    application.add_handler(CommandHandler("affiche", h.poster, filters=allowed))
