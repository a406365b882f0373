"""Context passed to Bot API method handlers, and the handler type."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sandbox.core import Sandbox
from sandbox.params import Params
from sandbox.state import BotWorld

logger = logging.getLogger(__name__)


@dataclass
class CallContext:
    """One Bot API call: the sandbox, the calling bot's world and the request parameters."""

    sandbox: Sandbox
    world: BotWorld
    params: Params


Handler = Callable[[CallContext], Awaitable[Any]]
