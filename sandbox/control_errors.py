"""Error raised by control actions and returned as JSON with an HTTP status."""

import logging
from typing import Any

logger = logging.getLogger(__name__)


class ControlError(Exception):
    """A control request that cannot be carried out; status is the HTTP status of the response."""

    def __init__(self, message: str, status: int = 400, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.details = details
