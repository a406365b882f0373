#!/bin/sh
# Install the bot's and the tests' dependencies in .venv, then run the whole test suite.
# The browser test uses the system Chromium (/usr/bin/chromium); it is skipped when absent,
# unless REQUIRE_BROWSER=1.
set -eu
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
exec .venv/bin/python -m pytest "$@"
