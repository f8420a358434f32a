"""Residents' privacy, over any transport: the notices, access, erasure and follow-up contacts.

- The notices: the paragraph added to every consultation's welcome (what is kept, what for,
  how long, the commands) and the full `/confidentialite` text, with the controller and the
  retention period from the configuration.
- Access: everything stored about a resident as a plain-text document and a short summary.
- Erasure: a resident's participant record with its sessions, answers, flags and contact.
- Follow-up contacts: the chat id of a resident who said yes to the follow-up question, kept
  sealed, unsealed only to send them follow-up news (`bot.news`). The seal is a one-time pad
  from a PRF: the chat id XOR HMAC-SHA256(key, "contact:<participant id>"), then a 16-byte
  HMAC tag over the result, with keys derived from the pseudonym secret. A chat id is at most
  20 ASCII bytes, shorter than the pad; a participant's pad is only ever used for that
  participant's own chat id (which never changes), so reusing it reveals nothing. This needs
  no new dependency, and a database copied without the secret neither reveals chat ids nor
  lets them be swapped (the tag).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.pseudonym import pseudonym
from flows.engine import Engine
from flows.model import Consultation, Lang, ScaleStep
from flows.safeguarding import Category
from flows.texts import say
from flows.typography import french_spacing
from storage.base import Channel, Participant
from storage.privacy import Erased, ParticipantData, PrivacyStore

TAG_BYTES = 16
FOLLOW_UP_THEME = "suivi"
LANGUAGE_NAMES: Mapping[str, str] = {"fr": "français", "en": "English"}
CHANNEL_NAMES: Mapping[Channel, Mapping[Lang, str]] = {
    Channel.TELEGRAM: {"fr": "Telegram", "en": "Telegram"},
    Channel.CONSOLE: {"fr": "terminal", "en": "terminal"},
    Channel.ASSISTED: {"fr": "saisie par un relais", "en": "entered by a relay"},
    Channel.PAPER: {"fr": "questionnaire papier", "en": "paper form"},
}


@dataclass(frozen=True)
class PrivacyNotice:
    """What residents are told: who is responsible, how to reach them, how long data stays."""

    controller: str = "la mairie (service politique de la ville)"
    contact: str | None = None
    retention_days: int = 365
    min_group_size: int = 5
    timezone: str = "Europe/Paris"

    def welcome(self, lang: Lang) -> str:
        """The paragraph added to every welcome, before the consent prompt."""
        return say("privacy_welcome", lang, duration=duration(self.retention_days, lang))

    def full(self, lang: Lang) -> str:
        """The `/confidentialite` text (plain text)."""
        contact = say("privacy_contact", lang, contact=self.contact) if self.contact else ""
        return say(
            "privacy_notice",
            lang,
            controller=self.controller,
            contact=contact,
            min_group=self.min_group_size,
            duration=duration(self.retention_days, lang),
        )


def duration(days: int, lang: Lang) -> str:
    """A retention period in words: "1 an", "2 ans", "6 mois", "90 jours"."""
    if days % 365 == 0:
        years = days // 365
        if lang == "fr":
            return f"{years} an" if years == 1 else f"{years} ans"
        return f"{years} year" if years == 1 else f"{years} years"
    if days % 30 == 0:
        months = days // 30
        if lang == "fr":
            return f"{months} mois"
        return f"{months} month" if months == 1 else f"{months} months"
    if lang == "fr":
        return f"{days} jour" if days == 1 else f"{days} jours"
    return f"{days} day" if days == 1 else f"{days} days"


# -- sealing chat ids -------------------------------------------------------------------------


def _key(secret: str, purpose: str, participant_id: int) -> bytes:
    message = f"{purpose}:{participant_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def seal(secret: str, participant_id: int, chat_id: int) -> str:
    """The chat id, encrypted and authenticated for this participant (base64 text)."""
    plain = str(chat_id).encode()
    pad = _key(secret, "contact", participant_id)
    if len(plain) > len(pad):
        raise ValueError("chat id too long to seal")
    cipher = bytes(a ^ b for a, b in zip(plain, pad, strict=False))
    tag = hmac.new(_key(secret, "contact-tag", participant_id), cipher, hashlib.sha256)
    return base64.urlsafe_b64encode(cipher + tag.digest()[:TAG_BYTES]).decode()


def unseal(secret: str, participant_id: int, sealed: str) -> int | None:
    """The chat id sealed by `seal`, or None if it was not sealed for this participant."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
    except ValueError:
        return None
    cipher, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
    expected = hmac.new(_key(secret, "contact-tag", participant_id), cipher, hashlib.sha256)
    if len(raw) <= TAG_BYTES or not hmac.compare_digest(tag, expected.digest()[:TAG_BYTES]):
        return None
    pad = _key(secret, "contact", participant_id)
    plain = bytes(a ^ b for a, b in zip(cipher, pad, strict=False))
    return int(plain.decode())


# -- the use cases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """A resident who asked for follow-up news: where to send it, and in which language."""

    participant_id: int
    chat_id: int
    lang: Lang


@dataclass(frozen=True)
class Recipients:
    """The follow-up contacts, unsealed; `unreadable` were not sealed with this secret."""

    readable: list[Recipient]
    unreadable: int


@dataclass(frozen=True)
class DataReport:
    """A resident's data: a short summary message and the full document."""

    summary: str
    document: str
    filename: str


class Privacy:
    """Access, erasure and follow-up contacts for the residents of one transport."""

    def __init__(
        self,
        store: PrivacyStore,
        consultations: Sequence[Consultation],
        secret: str,
        *,
        channel: Channel,
        notice: PrivacyNotice | None = None,
    ) -> None:
        self.store = store
        self.engines = {c.id: Engine(c) for c in consultations}
        self._secret = secret
        self.channel = channel
        self.notice = notice or PrivacyNotice()

    async def find(self, account_id: int | str) -> Participant | None:
        """The participant behind an account, if anything is stored (never creates one)."""
        return await self.store.find_participant(self.pseudonym(account_id))

    def pseudonym(self, account_id: int | str) -> str:
        """The pseudonym of an account of this transport."""
        return pseudonym(self._secret, self.channel.value, account_id)

    async def report(
        self, account_id: int | str, lang: Lang, now: dt.datetime
    ) -> DataReport | None:
        """Everything stored about the account's resident; None when nothing is."""
        data = await self._data(account_id)
        if data is None:
            return None
        summary = say(
            "mydata_summary",
            lang,
            sessions=len(data.sessions),
            answers=_answered(data),
            contact=say("yes" if data.contact else "no", lang).lower(),
        )
        return DataReport(summary, self.document(data, lang, now), "mes-donnees.txt")

    def document(self, data: ParticipantData, lang: Lang, now: dt.datetime) -> str:
        """The access report as plain text, readable on a phone."""
        fr = lang == "fr"
        zone = ZoneInfo(self.notice.timezone)

        def said(french: str, english: str) -> str:
            # French typography on the file's own words only: the values put after them
            # (answers, dates, the configured controller) are shown as they are.
            return french_spacing(french) if fr else english

        def when(moment: dt.datetime | None) -> str:
            if moment is None:
                return "—"
            local = moment.astimezone(zone)
            return local.strftime("%d/%m/%Y %H:%M") if fr else local.strftime("%Y-%m-%d %H:%M")

        who = data.participant
        if who.lang:
            language = LANGUAGE_NAMES.get(who.lang, who.lang)
        else:  # nothing stored: the bot follows the phone's language until /langue
            language = (
                "non choisie (celle de votre téléphone)" if fr else "not chosen (your phone's)"
            )
        lines = [
            "Parole habitante — " + said("vos données", "your data"),
            said("Fichier créé le ", "File made on ") + when(now),
            "",
            "== " + said("Vous", "You") + " ==",
            said("Numéro anonyme : ", "Anonymous number: ") + str(who.id),
            said("Enregistré·e le : ", "Stored since: ") + when(who.created_at),
            said("Langue : ", "Language: ") + language,
        ]
        if data.relay_since is not None:
            lines.append(
                said("Venu·e par le lien d'un relais le : ", "Came through a relay's link: ")
                + when(data.relay_since)
            )
        if data.contact:
            lines.append(
                said(
                    "Message de suivi : oui (numéro de cette conversation gardé chiffré depuis le ",
                    "Follow-up message: yes (the number of this chat, kept encrypted since ",
                )
                + when(data.contact_since)
                + ")"
            )
        else:
            lines.append(said("Message de suivi : non", "Follow-up message: no"))
        if data.news_received:
            lines.append(
                said("Nouvelles de la ville reçues : ", "News from the city received: ")
                + str(data.news_received)
            )
        for session in data.sessions:
            engine = self.engines.get(session.consultation_id)
            title = engine.consultation.title.get(lang) if engine else session.consultation_id
            status = {
                "completed": "terminée" if fr else "completed",
                "active": "en cours" if fr else "in progress",
            }.get(session.status.value, session.status.value)
            lines += [
                "",
                f"== {title} ==",
                said("État : ", "Status: ") + status,
                said("Canal : ", "Channel: ") + CHANNEL_NAMES[session.channel][lang],
                said("Commencée le : ", "Started: ") + when(session.created_at),
                said("Dernière réponse : ", "Last answer: ") + when(session.updated_at),
            ]
            if session.completed_at:
                lines.append(said("Terminée le : ", "Completed: ") + when(session.completed_at))
            lines.append(said("Réponses :", "Answers:"))
            # In the order the questions were asked; answers to questions no longer in the
            # consultation come last.
            order = (
                {step.id: index for index, step in enumerate(engine.consultation.steps)}
                if engine is not None
                else {}
            )
            ranked = sorted(session.answers, key=lambda a: order.get(a.step_id, len(order)))
            for stored in ranked:
                question, words = stored.step_id, stored.answer.text or ""
                if engine is not None:
                    try:
                        step = engine.consultation.step(stored.step_id)
                    except KeyError:
                        step = None
                    if step is not None:
                        question = step.text.get(lang)
                        words = engine.describe(step, stored.answer, lang)
                        if isinstance(step, ScaleStep) and not stored.answer.skipped:
                            words = ", ".join(stored.answer.choices)
                lines += [f"• {question}", f"  → {words}"]
                if stored.hidden_at is not None:
                    lines.append(
                        (
                            "  (texte retiré des synthèses de l'équipe le "
                            if fr
                            else "  (text taken out of the team's summaries on "
                        )
                        + when(stored.hidden_at)
                        + ")"
                    )
            if not session.answers:
                lines.append("  —")
            if session.flags:
                names = ", ".join(sorted({category_name(c, lang) for c in session.flags}))
                lines.append(
                    said(
                        "Messages qui ont déclenché l'envoi des numéros d'aide : ",
                        "Messages that brought the helpline numbers: ",
                    )
                    + f"{session.flagged_messages} ({names})"
                )
        lines += [
            "",
            # "with your answers": a relay's name, given by staff, is kept apart from them
            said(
                "Rien d'autre n'est gardé avec vos réponses : ni votre nom, ni votre numéro de "
                "téléphone, ni votre identifiant Telegram.",
                "Nothing else is kept with your answers: not your name, your phone number "
                "or your Telegram id.",
            ),
            said("Responsable : ", "Responsible: ") + self.notice.controller,
        ]
        if self.notice.contact:
            lines.append(said("Contact : ", "Contact: ") + self.notice.contact)
        return "\n".join(lines) + "\n"

    async def counts(self, account_id: int | str) -> tuple[Participant, int, int] | None:
        """The resident, their sessions and answers, before an erasure is confirmed."""
        data = await self._data(account_id)
        if data is None:
            return None
        return data.participant, len(data.sessions), _answered(data)

    async def _data(self, account_id: int | str) -> ParticipantData | None:
        """What is stored about the account's resident, read in one snapshot, if anything."""
        who = await self.find(account_id)
        return None if who is None else await self.store.participant_data(who.id)

    async def forget(self, participant_id: int) -> Erased | None:
        """Erase a participant and everything linked to them."""
        return await self.store.forget(participant_id)

    async def keep_contact(self, participant_id: int, chat_id: int, now: dt.datetime) -> None:
        """Keep the chat id of a resident who asked for follow-up news, sealed."""
        await self.store.set_contact(
            participant_id, seal(self._secret, participant_id, chat_id), now
        )

    async def drop_contact(self, participant_id: int) -> bool:
        """Forget the chat id of a resident who withdrew."""
        return await self.store.drop_contact(participant_id)

    async def contact_chat(self, participant_id: int) -> int | None:
        """The chat id to send follow-up news to, if the resident asked for it."""
        sealed = await self.store.contact(participant_id)
        return None if sealed is None else unseal(self._secret, participant_id, sealed)

    async def recipients(self) -> Recipients:
        """Every resident who asked for follow-up news, French when no language is stored."""
        readable, unreadable = [], 0
        for kept in await self.store.contacts():
            chat_id = unseal(self._secret, kept.participant_id, kept.chat)
            if chat_id is None:
                unreadable += 1
            else:
                readable.append(Recipient(kept.participant_id, chat_id, kept.lang or "fr"))
        return Recipients(readable, unreadable)


def _answered(data: ParticipantData) -> int:
    """The questions the resident answered: a question skipped is stored, but is no answer."""
    return sum(not stored.answer.skipped for session in data.sessions for stored in session.answers)


CATEGORY_NAMES: Mapping[str, Mapping[Lang, str]] = {
    Category.DANGER: {"fr": "danger ou menace", "en": "danger or threat"},
    Category.DOMESTIC: {"fr": "violences conjugales ou familiales", "en": "domestic violence"},
    Category.SEXUAL: {"fr": "violences sexuelles", "en": "sexual violence"},
    Category.CHILD: {"fr": "enfant en danger", "en": "child in danger"},
    Category.SELF_HARM: {"fr": "idées suicidaires", "en": "suicidal thoughts"},
    Category.SHELTER: {"fr": "sans endroit où dormir", "en": "nowhere to sleep"},
    Category.ELDER: {
        "fr": "personne âgée ou handicapée maltraitée",
        "en": "older or disabled person abused",
    },
}


def category_name(category: str, lang: Lang) -> str:
    """A flag category in words."""
    names = CATEGORY_NAMES.get(category)
    return names[lang] if names else category
