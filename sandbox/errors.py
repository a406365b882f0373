"""Bot API error type and the exact error descriptions the stand-in returns."""

import logging
from typing import Any

logger = logging.getLogger(__name__)

# Descriptions copied from the real Bot API server (tdlib/telegram-bot-api, Client.cpp) or from
# responses recorded by client libraries; PTB and the bot match on them, so keep them verbatim.
INVALID_TOKEN = "Unauthorized: invalid token specified"
METHOD_NOT_FOUND = "Not Found: method not found"
CHAT_NOT_FOUND = "Bad Request: chat not found"
CHAT_ID_EMPTY = "Bad Request: chat_id is empty"
TEXT_EMPTY = "Bad Request: message text is empty"
TEXT_TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
REPLY_MARKUP_TOO_LONG = "Bad Request: reply markup is too long"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
EDIT_NOT_FOUND = "Bad Request: message to edit not found"
CANT_EDIT = "Bad Request: message can't be edited"
NO_TEXT_TO_EDIT = "Bad Request: there is no text in the message to edit"
NO_CAPTION_TO_EDIT = "Bad Request: there is no caption in the message to edit"
DELETE_NOT_FOUND = "Bad Request: message to delete not found"
CANT_DELETE = "Bad Request: message can't be deleted"
REPLY_NOT_FOUND = "Bad Request: message to be replied not found"
COPY_NOT_FOUND = "Bad Request: message to copy not found"
CANT_COPY = "Bad Request: message can't be copied"
FORWARD_NOT_FOUND = "Bad Request: message to forward not found"
QUERY_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
WRONG_FILE_ID = "Bad Request: wrong file identifier/HTTP URL specified"
URL_NOT_FETCHED = "Bad Request: failed to get HTTP URL content"
PHOTO_DIMENSIONS = "Bad Request: PHOTO_INVALID_DIMENSIONS"
IMAGE_PROCESS_FAILED = "Bad Request: IMAGE_PROCESS_FAILED"
FILE_TOO_BIG = "Bad Request: file is too big"
UNSUPPORTED_PARSE_MODE = "Bad Request: unsupported parse_mode"
BLOCKED = "Forbidden: bot was blocked by the user"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
UPGRADED = "Bad Request: group chat was upgraded to a supergroup chat"
THREAD_NOT_FOUND = "Bad Request: message thread not found"
TOPIC_CLOSED = "Bad Request: TOPIC_CLOSED"
TOPIC_NOT_MODIFIED = "Bad Request: TOPIC_NOT_MODIFIED"
NOT_A_FORUM = "Bad Request: the chat is not a forum"
TOPIC_TITLE_EMPTY = "Bad Request: title must be non-empty"
# NOTE: the real error for an icon colour outside the six documented ones is unconfirmed.
TOPIC_ICON_INVALID = "Bad Request: TOPIC_ICON_COLOR_INVALID"
RIGHTS_CREATE_TOPIC = "Bad Request: not enough rights to create a topic"
RIGHTS_EDIT_TOPIC = "Bad Request: not enough rights to edit the topic"
RIGHTS_CLOSE_TOPIC = "Bad Request: not enough rights to close or open the topic"
RIGHTS_DELETE_TOPIC = "Bad Request: not enough rights to delete the topic"
USER_NOT_FOUND = "Bad Request: user not found"
ALBUM_SIZE = "Bad Request: wrong number of media items in the album"
CONFLICT_OTHER_POLLER = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)


class ApiError(Exception):
    """A Bot API failure that the transport turns into an `ok: false` envelope."""

    def __init__(
        self,
        description: str,
        error_code: int = 400,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.error_code = error_code
        self.parameters = parameters or {}

    def envelope(self) -> dict[str, Any]:
        """Build the JSON body that the real server sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(text: str) -> ApiError:
    """Build a 400 error whose description gets the server's "Bad Request: " prefix."""
    return ApiError(f"Bad Request: {text}", 400)


def forbidden(text: str) -> ApiError:
    """Build a 403 error whose description gets the server's "Forbidden: " prefix."""
    return ApiError(f"Forbidden: {text}", 403)


def too_many_requests(retry_after: int) -> ApiError:
    """Build the 429 flood error with its `retry_after` parameter."""
    return ApiError(
        f"Too Many Requests: retry after {retry_after}", 429, {"retry_after": retry_after}
    )


def chat_upgraded(new_chat_id: int) -> ApiError:
    """Build the 400 error returned for a basic group that became a supergroup."""
    return ApiError(UPGRADED, 400, {"migrate_to_chat_id": new_chat_id})
