"""Message limits and their exact error descriptions."""

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import BadRequest

from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from tests.sandbox.conftest import make_image

pytestmark = pytest.mark.asyncio


def keyboard(rows: list[list[str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(data, callback_data=data) for data in row] for row in rows]
    )


async def last_description(sandbox: SandboxClient) -> str:
    calls = await sandbox.calls()
    return calls[-1]["description"]


async def test_text_empty(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(started_user, "   ")
    assert await last_description(sandbox) == "Bad Request: message text is empty"


async def test_text_empty_after_html(bot: Bot, started_user: int) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(started_user, "<b></b>", parse_mode="HTML")


async def test_text_length_counts_after_parsing(bot: Bot, sandbox: SandboxClient,
                                                started_user: int) -> None:
    await bot.send_message(started_user, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(started_user, "x" * 4097)
    assert await last_description(sandbox) == "Bad Request: message is too long"


async def test_caption_too_long(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_photo(started_user, make_image(10, 10), caption="c" * 1025)
    assert await last_description(sandbox) == "Bad Request: message caption is too long"
    await bot.send_photo(started_user, make_image(10, 10), caption="c" * 1024)


async def test_callback_data_counts_bytes(bot: Bot, sandbox: SandboxClient,
                                          started_user: int) -> None:
    await bot.send_message(started_user, "ok", reply_markup=keyboard([["e" * 64]]))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(started_user, "no", reply_markup=keyboard([["é" * 33]]))
    assert await last_description(sandbox) == "Bad Request: BUTTON_DATA_INVALID"


async def test_keyboard_row_and_total_limits(bot: Bot, started_user: int) -> None:
    eight = keyboard([[str(i) for i in range(8)]])
    nine = keyboard([[str(i) for i in range(9)]])
    await bot.send_message(started_user, "8 wide", reply_markup=eight)
    with pytest.raises(BadRequest, match="Reply markup is too long"):
        await bot.send_message(started_user, "9 wide", reply_markup=nine)

    rows = [[f"{r}-{c}" for c in range(8)] for r in range(13)]
    with pytest.raises(BadRequest, match="Reply markup is too long"):
        await bot.send_message(started_user, "104 buttons", reply_markup=keyboard(rows))


async def test_button_without_action(bot: Bot, server: SandboxServer, started_user: int) -> None:
    markup = {"inline_keyboard": [[{"text": "plain"}]]}
    with pytest.raises(BadRequest, match="Text buttons are unallowed"):
        await bot.do_api_request(
            "sendMessage",
            api_kwargs={"chat_id": started_user, "text": "x", "reply_markup": markup},
        )


async def test_album_item_count(bot: Bot, started_user: int) -> None:
    single_item = [InputMediaPhoto(make_image(10, 10))]
    with pytest.raises(BadRequest):
        await bot.send_media_group(started_user, single_item)
    eleven = [InputMediaPhoto(make_image(10, 10, color=f"#0000{i:02x}")) for i in range(11)]
    with pytest.raises(BadRequest, match="Too many messages"):
        await bot.send_media_group(started_user, eleven)
    ten = eleven[:10]
    messages = await bot.send_media_group(started_user, ten)
    assert len(messages) == 10
    assert len({m.media_group_id for m in messages}) == 1


async def test_photo_dimensions(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    with pytest.raises(BadRequest, match="Photo_invalid_dimensions"):
        await bot.send_photo(started_user, make_image(2100, 100))
    assert await last_description(sandbox) == "Bad Request: PHOTO_INVALID_DIMENSIONS"
    with pytest.raises(BadRequest, match="Photo_invalid_dimensions"):
        await bot.send_photo(started_user, make_image(6000, 4001, fmt="PNG"))
    await bot.send_photo(started_user, make_image(2000, 100))


async def test_photo_not_an_image(bot: Bot, started_user: int) -> None:
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(started_user, b"not an image at all")


async def test_unknown_parse_mode(bot: Bot, started_user: int) -> None:
    with pytest.raises(BadRequest, match="Unsupported parse_mode"):
        await bot.send_message(started_user, "x", parse_mode="BBCode")
