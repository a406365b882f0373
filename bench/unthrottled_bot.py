"""Run bot.py's entry point with python-telegram-bot's AIORateLimiter set to no rate limit.

bench/load.py uses it to tell the time the bot spends working from the time its rate limiter
makes calls wait. Everything else (handlers, retries after a 429, settings) is unchanged.
"""

from __future__ import annotations

import functools
import sys

from telegram.ext import AIORateLimiter

import bot

if __name__ == "__main__":
    # A rate of 0 turns off AIORateLimiter's overall and per-group limiters (PTB 22.8).
    bot.AIORateLimiter = functools.partial(  # type: ignore[misc]
        AIORateLimiter, overall_max_rate=0, group_max_rate=0)
    sys.exit(bot.main())
