"""Run bot.py's entry point with its flood limiter pacing nothing (retries after a 429 stay).

bench/load.py uses it to tell the time the bot spends working from the time its rate limiter
makes calls wait. Everything else (handlers, retries after a 429, settings) is unchanged.
"""

from __future__ import annotations

import functools
import sys

import bot
from handlers.flood import FloodSafeRateLimiter

if __name__ == "__main__":
    # A rate, interval or group maximum of 0 turns that limit off.
    bot.FloodSafeRateLimiter = functools.partial(  # type: ignore[misc]
        FloodSafeRateLimiter, overall_rate=0, private_interval=0, group_max=0)
    sys.exit(bot.main())
