"""A bare python-telegram-bot echo bot, the baseline of bench/load.py: one sendMessage per text.

Run from the project root with TELEGRAM_BOT_TOKEN and TELEGRAM_BASE_URL set, as for bot.py:
python -m bench.echo_bot. ECHO_RATE_LIMITER=1 adds the flood limiter that bot.py uses.
"""

from __future__ import annotations

import logging
import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters
from telegram.request import HTTPXRequest

from handlers.flood import FloodSafeRateLimiter

logger = logging.getLogger("echo_bot")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back to the chat it came from."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    await context.bot.send_message(message.chat_id, message.text)


def main() -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    base_url = os.environ["TELEGRAM_BASE_URL"]
    # 64 updates at once over 64 connections, as bot.build_application, so that the two bots
    # differ only in what their handlers do.
    builder = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(base_url)
        .base_file_url(base_url.removesuffix("/bot") + "/file/bot")
        .request(HTTPXRequest(connection_pool_size=64))
        .concurrent_updates(64)
    )
    if os.environ.get("ECHO_RATE_LIMITER") == "1":
        builder = builder.rate_limiter(FloodSafeRateLimiter())
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    logger.info("echo bot polling")
    application.run_polling(allowed_updates=[Update.MESSAGE])


if __name__ == "__main__":
    main()
