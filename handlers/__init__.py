"""Telegram handlers: they turn updates into flow calls and flow results into Bot API calls."""

from __future__ import annotations

from collections.abc import Callable

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import (
    admin,
    agents,
    attribution,
    callback_data,
    feedback,
    newsletter,
    newsletter_admin,
    privacy,
    quiz,
    results,
    start,
    system,
)


def data_of_kind(kind: str) -> Callable[[object], bool]:
    """A callback-query pattern that accepts only well-formed data of one kind."""

    def matches(data: object) -> bool:
        parsed = callback_data.parse(data if isinstance(data, str) else None)
        return parsed is not None and parsed.kind == kind

    return matches


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add every handler; updates of other kinds, and other groups' messages, are ignored."""
    private = filters.ChatType.PRIVATE
    new_message = filters.UpdateType.MESSAGE
    # The handoff goes first: its relay of a customer's messages to their advisor runs in an
    # earlier handler group than the free-text routing, and its buttons precede unknown_button.
    agents.register(application)
    application.add_handler(CommandHandler("start", start.start, filters=private))
    application.add_handler(CallbackQueryHandler(start.menu_choice, data_of_kind("menu")))
    application.add_handler(CallbackQueryHandler(quiz.quiz_answer, data_of_kind("answer")))
    application.add_handler(CallbackQueryHandler(quiz.quiz_session, data_of_kind("session")))
    application.add_handler(CallbackQueryHandler(results.show_trips, data_of_kind("appetence")))
    application.add_handler(CallbackQueryHandler(results.add_to_cart, data_of_kind("cart")))
    application.add_handler(CallbackQueryHandler(results.more_trips, data_of_kind("more")))
    application.add_handler(CallbackQueryHandler(results.cart_advisor, data_of_kind("advisor")))
    private_command = private & new_message
    application.add_handler(CommandHandler("unsubscribe", newsletter.unsubscribe_command,
                                           filters=private_command))
    application.add_handler(CommandHandler("forget", privacy.forget_command,
                                           filters=private_command))
    application.add_handler(CommandHandler("reload", admin.reload_catalog,
                                           filters=private_command))
    application.add_handler(CommandHandler("stats", admin.show_stats, filters=private_command))
    application.add_handler(CommandHandler("export", admin.export_csv, filters=private_command))
    application.add_handler(CommandHandler("newsletter", newsletter_admin.draft_issue,
                                           filters=private_command))
    for kind, callback in (
        ("consent", newsletter.consent_given),
        ("decline", newsletter.consent_declined),
        ("unsubscribe", newsletter.unsubscribe_button),
        ("issue_trip", newsletter.issue_trip),
        ("issue_decision", newsletter_admin.issue_decision),
        ("source", attribution.source_answer),
        ("feedback", feedback.feedback_answer),
        ("forget", privacy.forget_answer),
    ):
        application.add_handler(CallbackQueryHandler(callback, data_of_kind(kind)))
    # A comment after a trip rating is taken before the conversation handlers see the text.
    application.add_handler(MessageHandler(
        private & filters.TEXT & ~filters.COMMAND & new_message, feedback.capture_comment),
        group=-1)
    # Anything else, forged data included, still gets exactly one answer. Handlers of one group
    # are tried in order and only the first match runs, so this one must stay last.
    application.add_handler(CallbackQueryHandler(system.unknown_button))
    application.add_handler(MessageHandler(
        private & filters.TEXT & ~filters.COMMAND & new_message, start.free_text))
    application.add_handler(MessageHandler(
        private & filters.COMMAND & new_message, start.other_message))
    application.add_handler(MessageHandler(
        private & ~filters.TEXT & ~filters.StatusUpdate.ALL & new_message, start.other_message))
    application.add_handler(ChatMemberHandler(system.private_membership,
                                              ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_error_handler(system.on_error)
