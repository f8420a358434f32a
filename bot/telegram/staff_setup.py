"""Setting up the staff: the ids `staff.user_ids` and `staff.chat_ids` need, from the bot.

Telegram shows nobody their numeric id. So a staff command (/digest, /export…) sent where
staff commands do not work yet tells the id to configure, in three cases only:
- in private, while no staff user is configured at all: the sender's own user id, in reply;
- in a staff chat, from a member who is not a staff user (a colleague joining the team):
  their own user id, in reply there. The staff chat already receives the digests, so this
  reveals nothing its members do not know;
- in a group that is not a staff chat, from a configured staff user: the group's chat id, in
  the staff member's private chat. The group itself sees what any unknown command gets
  there, so nothing in a group reveals who is staff or that staff commands exist.
Anywhere else such a command is left to the other handlers, as for any resident, so nobody
learns more than their own id, or, for staff, the id of a group they are in.

A staff chat's id changes when Telegram turns the group into a supergroup (as it does when
an admin changes some settings): its digests would then fail and its staff commands stop
working, so the bot says so in the group, with the new id to configure.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Final

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot.conversation import language_from_hint
from bot.settings import StaffSettings
from flows.model import Text
from flows.texts import Messages

log = logging.getLogger(__name__)

STAFF_LANG: Final = "fr"  # a group has no one language: staff read French

MESSAGES: dict[str, Text] = {
    "first_staff": Text(
        fr="👋 Aucun membre de l'équipe n'est encore configuré : cette commande ne fait rien "
        "pour l'instant.\n\nVotre identifiant Telegram : {id}\n\nPour l'utiliser, ajoutez-le "
        "à staff.user_ids dans la configuration (ou PAROLE_STAFF__USER_IDS='[{id}]'), puis "
        "redémarrez le bot.",
        en="👋 No staff member is configured yet: this command does nothing for now.\n\n"
        "Your Telegram id: {id}\n\nTo use it, add it to staff.user_ids in the configuration "
        "(or PAROLE_STAFF__USER_IDS='[{id}]'), then restart the bot.",
    ),
    "colleague": Text(
        fr="Cette commande est réservée aux membres de l'équipe inscrits dans la "
        "configuration, et vous n'y êtes pas encore.\n\nVotre identifiant Telegram : {id}\n\n"
        "Pour l'utiliser, faites-le ajouter à staff.user_ids dans la configuration, puis "
        "redémarrer le bot.",
        en="This command is for the staff members listed in the configuration, and you are "
        "not listed yet.\n\nYour Telegram id: {id}\n\nTo use it, have it added to "
        "staff.user_ids in the configuration, then the bot restarted.",
    ),
    "migrated": Text(
        fr="⚠️ Telegram a transformé ce groupe de l'équipe en supergroupe, et son identifiant "
        "a changé : {old} devient {new}.\n\nTant que la configuration n'est pas mise à jour, "
        "il ne reçoit plus les synthèses et les commandes de l'équipe n'y marchent plus. "
        "Remplacez {old} par {new} dans staff.chat_ids (ou PAROLE_STAFF__CHAT_IDS), puis "
        "redémarrez le bot.",
        en="⚠️ Telegram turned this staff chat into a supergroup, and its id changed: {old} "
        "is now {new}.\n\nUntil the configuration is updated, it gets no digests and staff "
        "commands do not work in it. Replace {old} with {new} in staff.chat_ids (or "
        "PAROLE_STAFF__CHAT_IDS), then restart the bot.",
    ),
    "staff_group": Text(
        fr="Le groupe « {title} » n'est pas un groupe de l'équipe : les commandes de l'équipe "
        "n'y marchent pas et il ne reçoit pas les synthèses.\n\nSon identifiant : {id}\n\n"
        "Pour en faire "
        "un groupe de l'équipe, ajoutez-le à staff.chat_ids dans la configuration (ou "
        "PAROLE_STAFF__CHAT_IDS='[{id}]'), puis redémarrez le bot.",
        en="The group “{title}” is not a staff chat: staff commands do not work there and it "
        "gets no digests.\n\nIts id: {id}\n\nTo make it a staff chat, add it to "
        "staff.chat_ids in the configuration (or PAROLE_STAFF__CHAT_IDS='[{id}]'), then "
        "restart the bot.",
    ),
}

say = Messages(MESSAGES).say


class NoStaffYet(filters.MessageFilter):
    """Any message while no staff user is configured."""

    def __init__(self, staff: StaffSettings) -> None:
        super().__init__(name="NoStaffYet")
        self.staff = staff

    def filter(self, message: Message) -> bool:
        """Whether the staff list is still empty (read on every call)."""
        return not self.staff.user_ids


class NotStaffInStaffChat(filters.MessageFilter):
    """A message in a staff chat from someone who is not a staff user."""

    def __init__(self, staff: StaffSettings) -> None:
        super().__init__(name="NotStaffInStaffChat")
        self.staff = staff

    def filter(self, message: Message) -> bool:
        """Whether the chat is a staff chat and the sender not staff (read on every call)."""
        user = message.from_user
        return (
            user is not None
            and user.id not in self.staff.user_ids
            and message.chat.id in self.staff.chat_ids
        )


class StaffChatMigrated(filters.MessageFilter):
    """The first message of a supergroup that a staff chat became."""

    def __init__(self, staff: StaffSettings) -> None:
        super().__init__(name="StaffChatMigrated")
        self.staff = staff

    def filter(self, message: Message) -> bool:
        """Whether the group this supergroup was is a staff chat (read on every call)."""
        return message.migrate_from_chat_id in self.staff.chat_ids


class StaffOutsideStaffChats(filters.MessageFilter):
    """A message from a staff user in a chat that is not a staff chat."""

    def __init__(self, staff: StaffSettings) -> None:
        super().__init__(name="StaffOutsideStaffChats")
        self.staff = staff

    def filter(self, message: Message) -> bool:
        """Whether the sender is staff and the chat is not theirs (read on every call)."""
        user = message.from_user
        return (
            user is not None
            and user.id in self.staff.user_ids
            and message.chat.id not in self.staff.chat_ids
        )


async def tell_own_id(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say which user id to add to the configuration, in the sender's language."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    lang = language_from_hint(user.language_code)
    await message.reply_text(say("first_staff", lang, id=user.id))


async def tell_colleague_id(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell a staff chat member who is not staff yet which user id to add, in that chat."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    lang = language_from_hint(user.language_code)
    await message.reply_text(say("colleague", lang, id=user.id))


async def tell_new_chat_id(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell a staff chat that became a supergroup its new id, and the log too."""
    message = update.effective_message
    assert message is not None and message.migrate_from_chat_id is not None
    old, new = message.migrate_from_chat_id, message.chat.id
    log.warning("staff chat %d became supergroup %d: replace it in staff.chat_ids", old, new)
    await message.chat.send_message(say("migrated", STAFF_LANG, old=old, new=new))


async def tell_group_id(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Tell the staff member, in private, which chat id the group has."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    lang = language_from_hint(user.language_code)
    text = say("staff_group", lang, id=chat.id, title=chat.title or "")
    try:
        await context.bot.send_message(user.id, text)
    except TelegramError as error:
        # A staff member who never opened the bot's private chat cannot be written to.
        log.warning("could not tell a staff member a group's id: %s", type(error).__name__)


def register(
    application: Application[Any, Any, Any, Any, Any, Any],
    staff: StaffSettings,
    commands: Sequence[str],
    *,
    before_residents: int,
) -> None:
    """Add the set-up answers to the staff `commands`: in private and in staff chats, before
    the residents' handlers (call before theirs); in other groups, in the earlier group
    `before_residents`, which does not stop the residents' own answer there."""
    names = list(commands)
    message = filters.UpdateType.MESSAGE
    private = message & filters.ChatType.PRIVATE & NoStaffYet(staff)
    in_staff_chat = message & filters.ChatType.GROUPS & NotStaffInStaffChat(staff)
    application.add_handlers(
        [
            CommandHandler(names, tell_own_id, filters=private),
            CommandHandler(names, tell_colleague_id, filters=in_staff_chat),
            MessageHandler(message & StaffChatMigrated(staff), tell_new_chat_id),
        ]
    )
    in_group = filters.UpdateType.MESSAGE & filters.ChatType.GROUPS & StaffOutsideStaffChats(staff)
    application.add_handler(
        CommandHandler(names, tell_group_id, filters=in_group), group=before_residents
    )
