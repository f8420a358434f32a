"""The words around a digest delivery (headings, subjects, captions, /stats), in French.

Staff read French; the digest's own words are in `digest/texts.py` (rendering), these are
the ones that say what a delivery is and which period it covers. Those with
punctuation go through `french_spacing`, as the digest's words do (narrow no-break spaces
before : ; ! ? %, inside « »).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from digest.model import Period
from digest.texts import DEFAULT_TIMEZONE
from flows.typography import french_spacing

# Headings: what a delivery is and why it covers its period (the digest shows the dates).
SCHEDULED = french_spacing("📬 Synthèse programmée « {schedule} », depuis la précédente.")
SCHEDULED_FIRST = french_spacing(
    "📬 Synthèse programmée « {schedule} » : la première, sur un cycle."
)
# On demand: the real period, whatever it ends on (`parole digest --until` ends it a day).
ON_DEMAND_SINCE_LAST = (
    "📬 Synthèse à la demande, depuis la dernière synthèse envoyée ({last}) jusqu'au {end}."
)
ON_DEMAND_DAYS = "📬 Synthèse à la demande sur {days} jours, {period} (aucune synthèse envoyée)."
CUSTOM = "📬 Synthèse {period}."
SUBJECT = "Parole habitante — synthèse {period}"
# An export holds every answer given until it was made, whatever the digest's period: its
# caption says so, and its file is named after the day it was made.
EXPORT_TITLE = "{title} — toutes les réponses depuis l'ouverture, au {when} ({fmt})"
EXPORT_NAME = "{consultation}-reponses-au-{day}.{fmt}"
# Past Telegram's 50 MB: the XLSX of the same answers is about a fifth of the CSV (10 MB
# against 56 MB for 100,000 residents), so a CSV too big is asked for as an XLSX; an XLSX too
# big is made on the server.
EXPORT_TOO_BIG = {
    "csv": french_spacing(
        "{name} : trop lourd pour {where} ({size} Mo). Le même export en XLSX est bien plus "
        "léger : /export xlsx {consultation}"
    ),
    "xlsx": french_spacing(
        "{name} : trop lourd pour {where} ({size} Mo). Il se fait sur le serveur : "
        "parole export --format xlsx --consultation {consultation} --out {name}"
    ),
}
TELEGRAM = "Telegram"
EMAIL = "un e-mail"
FAILED = french_spacing(
    "La synthèse n'a pas pu être préparée ; l'erreur est dans le journal du bot."
)
EXPORT_USAGE = french_spacing("Usage : /export [csv|xlsx] [consultation]")
EXPORT_UNKNOWN = french_spacing("Consultation inconnue : {id}. Consultations : {known}.")

STAFF_MENU = {  # the staff's command menu in Telegram
    "digest": "Synthèse depuis la dernière envoyée",
    "stats": "Participation en un écran",
    "export": "Export des réponses (csv ou xlsx)",
}

STATS_TITLE = "Participation — {now}"
STATS_COLUMNS = ("auj.", "7 j", "total")  # short: the table must fit a phone's width
STATS_LABELS = {
    "new_participants": "Participants",
    "sessions_started": "Commencés",
    "completed": "Terminés",
    "abandoned": "Abandonnés",
    "rate": "Taux complet",  # completed / started, paper forms left out
}
# Under the table, as the digest's "Taux de réponse complète (hors questionnaires papier)".
STATS_RATE_NO_PAPER = french_spacing(
    "Taux complet : hors questionnaires papier, complets par nature."
)

PERIOD = "du {start} au {end}"
WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")


def when(moment: dt.datetime, timezone: str = DEFAULT_TIMEZONE) -> str:
    """A moment as staff read it: "lun. 24/11/2025 08:00", in the city's time zone."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{WEEKDAYS[local.weekday()]} {local:%d/%m/%Y %H:%M}"


def period_text(start: dt.datetime, end: dt.datetime, timezone: str = DEFAULT_TIMEZONE) -> str:
    """ "du lun. 17/11/2025 08:00 au lun. 24/11/2025 08:00"."""
    return PERIOD.format(start=when(start, timezone), end=when(end, timezone))


def scheduled_heading(schedule: str, *, first: bool) -> str:
    """The heading of a scheduled digest."""
    return (SCHEDULED_FIRST if first else SCHEDULED).format(schedule=schedule)


def on_demand_heading(
    period: Period, last: dt.datetime | None, timezone: str = DEFAULT_TIMEZONE
) -> str:
    """The heading of a digest asked for now: since the last one sent, or the 7 days before
    its end, with the real period (an end chosen with --until is not now)."""
    if last is not None and period.start == last:
        return ON_DEMAND_SINCE_LAST.format(
            last=when(last, timezone), end=when(period.end, timezone)
        )
    days = round((period.end - period.start) / dt.timedelta(days=1))
    return ON_DEMAND_DAYS.format(days=days, period=period_text(period.start, period.end, timezone))


def custom_heading(period: Period, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The heading of a digest of dates chosen on the command line."""
    return CUSTOM.format(period=period_text(period.start, period.end, timezone))


def subject(period: Period, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The e-mail subject of a digest of `period`."""
    return SUBJECT.format(period=period_text(period.start, period.end, timezone))


def export_title(title: str, fmt: str, made: dt.datetime, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The caption of an export file made at `made`: "Vivre ensemble — toutes les réponses
    depuis l'ouverture, au jeu. 26/11/2026 15:00 (CSV)"."""
    return EXPORT_TITLE.format(title=title, when=when(made, timezone), fmt=fmt.upper())


def export_too_big(name: str, fmt: str, consultation: str, size: int, where: str = TELEGRAM) -> str:
    """What staff read instead of an export of `size` bytes too big for `where`."""
    megabytes = f"{size / 1024 / 1024:.0f}"
    return EXPORT_TOO_BIG[fmt].format(
        name=name, size=megabytes, consultation=consultation, where=where
    )


def export_name(consultation: str, fmt: str, made: dt.datetime, timezone: str) -> str:
    """The file name of an export made at `made`: "vivre-ensemble-reponses-au-2026-11-26.csv",
    the day the city's."""
    day = made.astimezone(ZoneInfo(timezone)).date().isoformat()
    return EXPORT_NAME.format(consultation=consultation, day=day, fmt=fmt)
