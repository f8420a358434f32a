"""Setting up the staff: the ids `staff.user_ids` and `staff.chat_ids` need, from the bot.

Telegram shows nobody their numeric id. So a staff command (/digest, /export…) sent where
staff commands do not work yet answers with the id to configure, in two cases only:
- in private, while no staff user is configured at all: the sender's own user id;
- in a group that is not a staff chat, from a configured staff user: the group's chat id.
Anywhere else such a command is left to the other handlers, as for any resident, so nobody
learns more than their own id, or, for staff, the id of a group they are in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.conversation import language_from_hint
from bot.settings import StaffSettings
from flows.model import Text
from flows.texts import Messages

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
    "staff_group": Text(
        fr="Ce groupe n'est pas un groupe de l'équipe : les commandes de l'équipe n'y marchent "
        "pas et il ne reçoit pas les synthèses.\n\nSon identifiant : {id}\n\nPour en faire "
        "un groupe de l'équipe, ajoutez-le à staff.chat_ids dans la configuration (ou "
        "PAROLE_STAFF__CHAT_IDS='[{id}]'), puis redémarrez le bot.",
        en="This group is not a staff chat: staff commands do not work here and it gets no "
        "digests.\n\nIts id: {id}\n\nTo make it a staff chat, add it to staff.chat_ids in the "
        "configuration (or PAROLE_STAFF__CHAT_IDS='[{id}]'), then restart the bot.",
    ),
}

say = Messages(MESSAGES).say
GROUPS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})


class NotSetUp(filters.MessageFilter):
    """A message where a staff command needs an id configured first (see the module)."""

    def __init__(self, staff: StaffSettings) -> None:
        super().__init__(name="NotSetUp")
        self.staff = staff

    def filter(self, message: Message) -> bool:
        """Whether the sender should be told an id to configure."""
        user = message.from_user
        if user is None:
            return False
        if message.chat.type == ChatType.PRIVATE:
            return not self.staff.user_ids
        return (
            message.chat.type in GROUPS
            and user.id in self.staff.user_ids
            and message.chat.id not in self.staff.chat_ids
        )


async def tell_id(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say which id to add to the configuration, in the sender's language."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    assert message is not None and chat is not None and user is not None
    lang = language_from_hint(user.language_code)
    if chat.type == ChatType.PRIVATE:
        await message.reply_text(say("first_staff", lang, id=user.id))
    else:
        await message.reply_text(say("staff_group", lang, id=chat.id))


def register(
    application: Application[Any, Any, Any, Any, Any, Any],
    staff: StaffSettings,
    commands: Sequence[str],
) -> None:
    """Add the set-up answer to the staff `commands`; call before the residents' handlers."""
    needs_setup = filters.UpdateType.MESSAGE & NotSetUp(staff)
    application.add_handler(CommandHandler(list(commands), tell_id, filters=needs_setup))
