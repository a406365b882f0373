#!/bin/sh
# Install the bot's dependencies in .venv and start it (no token in the environment or .env:
# the local sandbox with its browser page).
set -eu
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
exec .venv/bin/python bot.py "$@"
