"""Every fixed word of staff digests, charts and exports, in French (staff read French).

Kept apart from `flows/texts.py`: residents choose French or English, staff digests are French
only, so these are plain strings rather than `Text` pairs.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flows.model import Theme
from flows.typography import NNBSP

DEFAULT_TIMEZONE = "Europe/Paris"  # `consultation.timezone` names the city's own

WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")

# The workshop's own headings (seed: "Qui est concerné ?", "Avec quels besoins ?", ...), so
# staff find the structure of the physical workshop in the digest.
THEMES: dict[str, str] = {
    Theme.PROFIL: "Qui a répondu ?",
    Theme.PUBLICS: "Qui est concerné ?",
    Theme.BESOINS: "Avec quels besoins ?",
    Theme.LEVIERS: "Ce qui nous aide",
    Theme.FREINS: "Ce qui nous freine",
    Theme.OBJECTIFS: "Quels objectifs ?",
    Theme.PROPOSITIONS: "Nos propositions",
    Theme.SUIVI: "Suivi",
}
OTHER_THEME = "Autres questions"

DIGEST = "Synthèse"
PERIOD = "du {start} au {end}"
CONTINUED = "{title} — suite ({n}/{total})"
NO_DIGEST = "Aucune consultation à résumer."
NOTHING_NEW = "Aucune participation sur la période."

PARTICIPATION = "Participation"
NEW_PARTICIPANTS = "Nouveaux participants"
SESSIONS_STARTED = "Parcours commencés"
COMPLETED = "Parcours terminés"
ABANDONED = "Parcours abandonnés"
COMPLETION_RATE = "Taux de réponse complète"
COMPLETION_RATE_NO_PAPER = "Taux de réponse complète (hors questionnaires papier)"
TREND_NOTE = "Flèches : évolution par rapport à la période précédente de même durée."

FUNNEL = "Où les gens s'arrêtent"
FUNNEL_NOTE = "Parcours de la période ayant atteint chaque question."
BIGGEST_DROP = "Plus forte baisse : avant « {label} » ({drop})"
FUNNEL_ASKED = " sur {n}"
FUNNEL_ASKED_NOTE = (
    "« sur N » : parcours à qui la question est posée (elle ne l'est ni en saisie par un "
    "relais, ni sur questionnaire papier, ni dans la console)."
)

DAYS = "Participation par jour"
BUSIEST_DAY = "Jour le plus actif : {day} ({n} parcours)"
BUSIEST_HIDDEN = "Jour le plus actif : non communiqué (petits groupes)."

# (singular, plural) pairs for `plural`: "0 réponse", "1 réponse", "2 réponses".
ANSWERS = ("{n} réponse", "{n} réponses")
SKIPS = ("{n} passée", "{n} passées")
MULTIPLE = " · plusieurs réponses possibles"
# Running totals since the consultation opened, beside a period that starts later.
RUNNING_ANSWERS = " · en tout {answers}"
RUNNING_ROW = " · en tout "
RUNNING_NOTE = "« en tout » : depuis l'ouverture de la consultation ({day})."
SINCE_OPENING = "Depuis l'ouverture ({day})"
RUNNING_STARTED = ("{n} parcours commencé", "{n} parcours commencés")
RUNNING_COMPLETED = ("{n} terminé", "{n} terminés")
# The "Autre" answers that came with a text, counted like the free texts ("6 réponses écrites").
OTHER_TEXTS = ("{n} précision « Autre »", "{n} précisions « Autre »")
# A scale's ends grouped, e.g. "Plutôt « beaucoup » (4 ou 5)"; without words at its ends,
# "Haut de l'échelle (4 ou 5)".
SCALE_END = "Plutôt « {end} » ({points})"
SCALE_BOTTOM = "Bas de l'échelle ({points})"
SCALE_TOP = "Haut de l'échelle ({points})"
SCALE_POINTS = ("{first} ou {last}", "de {first} à {last}")  # two points, more
WRITTEN = ("{n} réponse écrite", "{n} réponses écrites")
MOST_RECENT = ", les plus récentes :"
# Texts counted but never quoted: hidden by staff (moderation), withheld (safeguarding).
MASKED = ("{n} masquée", "{n} masquées")
WITHHELD = ("{n} retirée", "{n} retirées")
WITHHELD_NOTE = (
    "« masquée » : texte masqué par la modération ; « retirée » : texte d'un signalement, "
    "jamais cité."
)
NO_TEXT = "Aucune réponse écrite."
FAVOURITE = "♥"
FAVOURITE_NOTE = "♥ : coup de cœur de l'atelier."
SUPPRESSED_NOTE = f"«{NNBSP}<{NNBSP}{{n}}{NNBSP}» : groupe trop petit pour être montré."
SECONDARY_NOTE = "« n.c. » : non communiqué, pour qu'un petit groupe ne puisse pas être déduit."

CHART_FUNNEL = "Où les gens s'arrêtent (parcours ayant atteint chaque question)"
CHART_FUNNEL_ASKED = "En pointillé : les parcours à qui la question est posée."
CHART_DAYS = "Parcours commencés par jour"
CHART_NOT_SHOWN = ("{n} option non montrée", "{n} options non montrées")
CHART_SESSIONS = "Parcours"

# Exports: the leading columns and the French words for values staff read in a spreadsheet.
SKIPPED = "(passée)"
# The follow-up question in a session of a channel that never asks it (a relay's entry, a
# paper form, the console): not a resident who stopped before it.
NOT_ASKED = "(non posée)"
NOT_ASKED_NOTE = (
    " ; « (non posée) » : question jamais posée en saisie par un relais, sur questionnaire "
    "papier ni dans la console"
)
YES_NO = {"yes": "Oui", "no": "Non"}
OTHER_LABEL = "Autre"
# "non terminé" rather than "en cours": a session left half-way weeks ago is one too (the
# digest counts it abandoned after `digest.abandon_after_hours`).
STATUSES = {"active": "non terminé", "completed": "terminé"}
# The CSV's and XLSX's first columns, named in French as their values are (the JSON lines
# export keeps its English keys: it is a data contract for programs, not a spreadsheet).
LEADING_COLUMNS = {
    "parcours": "numéro du parcours",
    "participant": "numéro pseudonyme du participant (aucun nom, aucun compte Telegram)",
    "canal": "canal : Telegram, saisie par un relais, questionnaire papier, console",
    "statut": "terminé, ou non terminé (la personne peut encore le reprendre, ou s'est arrêtée)",
    "début": "début du parcours ({clock}) ; questionnaire papier : quand il a été importé",
    "fin": "fin du parcours ({clock}), vide s'il n'est pas terminé",
}
PARIS_CLOCK = "heure de Paris"
LOCAL_CLOCK = "heure locale, {zone}"
OTHER_COLUMN = "précision donnée avec « Autre » à la question {step}"
# What a scale's numbers mean, in its export column's header and the questions sheet.
SCALE_COLUMN = "{step} ({first} = {first_end} … {last} = {last_end})"
SCALE_COLUMN_BARE = "{step} ({first} à {last})"
SCALE_RANGE = "{first} ({first_end}) à {last} ({last_end})"
SCALE_RANGE_BARE = "{first} à {last}"
SHEET_ANSWERS = "réponses"
SHEET_QUESTIONS = "questions"
QUESTION_HEADERS = ("colonne", "question", "thème", "type", "réponses possibles")
KINDS = {
    "single": "choix unique",
    "multi": "choix multiple",
    "text": "texte libre",
    "scale": "échelle",
    "yesno": "oui / non",
}


def number(value: int) -> str:
    """A count with French digit grouping (narrow no-break space): "12 345"."""
    return f"{value:,}".replace(",", NNBSP)


def labelled(label: str) -> str:
    """A label before its count, "Bourgogne : " with a narrow no-break space before the colon;
    none after a question or exclamation mark ("Quel âge avez-vous ? "): French stacks no
    colon after them."""
    if label.endswith(("?", "!")):
        return f"{label} "
    return f"{label}{NNBSP}: "


def quoted(text: str) -> str:
    """A text between French quotation marks, with narrow no-break spaces inside them."""
    return f"«{NNBSP}{text}{NNBSP}»"


def plural(count: int, singular: str, plural: str) -> str:
    """`singular` for 0 or 1, else `plural` (French: "0 réponse", "2 réponses"), with "{n}"
    replaced by the count."""
    return (singular if count <= 1 else plural).format(n=number(count))


def percent(value: int) -> str:
    """A percentage the French way: "42 %"."""
    return f"{value}{NNBSP}%"


def clock_words(timezone: str) -> str:
    """Which clock the times are read on: "heure de Paris", else "heure locale, <zone>"."""
    return PARIS_CLOCK if timezone == DEFAULT_TIMEZONE else LOCAL_CLOCK.format(zone=timezone)


def leading_columns(timezone: str) -> dict[str, str]:
    """What each leading export column holds, times said in `timezone`'s clock."""
    clock = clock_words(timezone)
    return {name: text.format(clock=clock) for name, text in LEADING_COLUMNS.items()}


def local_time(moment: dt.datetime, timezone: str, *, year: bool = False) -> str:
    """A moment in `timezone` as "lun. 16/11 08:00" (with "/2026" when `year`)."""
    local = moment.astimezone(ZoneInfo(timezone))
    date = local.strftime("%d/%m/%Y" if year else "%d/%m")
    return f"{WEEKDAYS[local.weekday()]} {date} {local:%H:%M}"


def period_words(start: dt.datetime, end: dt.datetime, timezone: str) -> str:
    """A period in `timezone`: "du lun. 16/11 08:00 au lun. 23/11 08:00" (years shown when
    it spans two)."""
    zone = ZoneInfo(timezone)
    year = start.astimezone(zone).year != end.astimezone(zone).year
    return PERIOD.format(
        start=local_time(start, timezone, year=year), end=local_time(end, timezone, year=year)
    )


def local_day(day: dt.date) -> str:
    """A day as "lun. 16/11"."""
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m}"


def theme_title(theme: str | None) -> str:
    """The workshop heading of a question theme."""
    return THEMES.get(theme or "", OTHER_THEME)
