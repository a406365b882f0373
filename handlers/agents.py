"""The agents' group side of the handoff: advisors' messages, group membership and upgrades."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Chat, ChatMember, Message, Update
from telegram.constants import ChatID, ParseMode
from telegram.error import ChatMigrated, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

import locales
from flows import handoff as rules
from handlers import (
    agent_commands,
    agent_views,
    callback_data,
    handoff,
    handoff_jobs,
    lead_status,
    relay,
)
from handlers.common import get_services, language_of
from handlers.handoff_state import Handoff, get_handoff
from handlers.lead_posting import follow_migration
from store import leads

logger = logging.getLogger(__name__)

# Runs before the conversation handlers (group 0) and the trip comment capture (group -1).
HANDOFF_GROUP = -2
_JOINED = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)
_GONE = (ChatMember.LEFT, ChatMember.BANNED)


class AgentsChat(filters.MessageFilter):
    """Messages of the agents' group in use; it follows the group when it is upgraded."""

    def __init__(self, state: Handoff) -> None:
        super().__init__(name="AgentsChat")
        self.state = state

    def filter(self, message: Message) -> bool:
        chat_id = self.state.chat.chat_id
        return chat_id is not None and message.chat.id == chat_id


def _data_of(*kinds: str) -> Any:
    def matches(data: object) -> bool:
        parsed = callback_data.parse(data if isinstance(data, str) else None)
        return parsed is not None and parsed.kind in kinds

    return matches


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add the handoff's handlers; call it before the handler of unknown buttons is added."""
    state = Handoff()
    application.bot_data["handoff"] = state
    agents_chat = AgentsChat(state)
    new_or_edited = filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE

    application.add_handler(MessageHandler(
        filters.ChatType.PRIVATE & new_or_edited & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
        handoff.relay_customer_message), group=HANDOFF_GROUP)
    application.add_handler(ChatMemberHandler(membership_changed,
                                              ChatMemberHandler.MY_CHAT_MEMBER),
                            group=HANDOFF_GROUP)

    application.add_handler(CallbackQueryHandler(
        agent_commands.lead_button, _data_of("lead", "lead_won", "lead_lost", "lead_end")))
    group_command = agents_chat & filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("leads", agent_commands.list_leads,
                                           filters=group_command))
    application.add_handler(CommandHandler("won", agent_commands.won_command,
                                           filters=group_command))
    application.add_handler(CommandHandler("lost", agent_commands.lost_command,
                                           filters=group_command))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, group_migrated))
    application.add_handler(MessageHandler(
        agents_chat & new_or_edited & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
        relay_advisor_message))


def _note_forum(state: Handoff, chat: Chat) -> None:
    # Every update from the group carries its forum flag: a change of mode costs no call.
    if chat.is_forum is not None and bool(chat.is_forum) != state.chat.is_forum:
        state.chat.is_forum = bool(chat.is_forum)
        logger.info("agents' group mode changed chat_id=%d forum=%s", chat.id, chat.is_forum)


async def relay_advisor_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Relay an advisor's message in a lead's topic or thread to the customer; notes stay."""
    message = update.effective_message
    if message is None:
        return
    state = get_handoff(context.application)
    _note_forum(state, message.chat)
    sender = message.from_user
    if sender is not None and sender.is_bot and sender.id != ChatID.ANONYMOUS_ADMIN:
        return
    if sender is not None and not sender.is_bot:
        state.remember_member(sender.id, True)
    if rules.is_note(message.text or message.caption):
        return

    lead_id, reply_to = await agent_commands.find_lead(context.application, message)
    if lead_id is None:
        return
    services = get_services(context)
    lead = await leads.get_lead(services.db, lead_id)
    if lead is None:
        return
    if lead.status != rules.OPEN:
        if update.message is not None and state.should_say_closed(lead.id):
            name = await lead_status.customer_name(context.application, lead.user_id)
            key = "ho_notice_closed_blocked" if lead.status == rules.BLOCKED else \
                "ho_notice_closed"
            await message.reply_text(agent_views.text(key, name=name), parse_mode=ParseMode.HTML)
        return

    edited = update.edited_message is not None
    await relay.queue_message(context.application, lead, message, "out", edited, reply_to)
    await relay.drain(context.application, lead.id)


async def group_migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Follow the agents' group when Telegram upgrades it to a supergroup."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        await follow_migration(context.application, message.chat.id,
                               message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        await follow_migration(context.application, message.migrate_from_chat_id,
                               message.chat.id)


async def membership_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """React to the bot's own membership: blocks, the agents' group, and any other group."""
    change = update.my_chat_member
    if change is None:
        return
    chat = change.chat
    status = change.new_chat_member.status
    application = context.application
    if chat.type == Chat.PRIVATE:
        if status == ChatMember.BANNED:
            await lead_status.customer_blocked(application, chat.id)
        elif status == ChatMember.MEMBER:
            await lead_status.customer_unblocked(application, chat.id)
        return

    state = get_handoff(application)
    if chat.id == state.chat.chat_id:
        _note_forum(state, chat)
        if status in _GONE:
            logger.error("bot removed from the agents' group chat_id=%d status=%s: add it "
                         "back, or leads stay waiting", chat.id, status)
        else:
            await handoff_jobs.check_rights(application)
        return
    if status not in _JOINED or change.old_chat_member.status not in _GONE:
        return
    if await _became_agents_group(application, chat.id):
        return

    logger.warning("bot added to a group that is not the agents' group chat_id=%d, leaving",
                   chat.id)
    language = language_of(change.from_user)
    try:
        await context.bot.send_message(chat.id, locales.text(language, "ho_other_group"),
                                       parse_mode=ParseMode.HTML)
    except TelegramError as error:
        logger.info("goodbye not sent chat_id=%d error=%s", chat.id, error)
    try:
        await context.bot.leave_chat(chat.id)
    except TelegramError as error:
        logger.warning("leaving a foreign group failed chat_id=%d error=%s", chat.id, error)


async def _became_agents_group(application: Any, chat_id: int) -> bool:
    """Tell whether a new supergroup is the basic agents' group after its upgrade.

    The upgrade notice and this update may come in any order, so the old group is probed
    with a harmless chat action, which is refused with the new id after an upgrade, as sends
    are. NOTE: only the stand-in confirms that sendChatAction is refused this way.
    """
    state = get_handoff(application)
    current = state.chat.chat_id
    if current is None or str(current).startswith("-100") or not str(chat_id).startswith("-100"):
        return False
    try:
        await application.bot.send_chat_action(current, "typing")
    except ChatMigrated as error:
        await follow_migration(application, current, error.new_chat_id)
        return error.new_chat_id == chat_id
    except TelegramError as error:
        logger.info("agents' group probe failed chat_id=%d error=%s", current, error)
    return False
