"""Transport: URLs, tokens, method names, parameter encodings and the response envelope."""

import json
from typing import Any

import aiohttp
import pytest
from telegram import Bot
from telegram.error import InvalidToken

from sandbox.server import SandboxServer, start_server
from tests.sandbox.conftest import BOT_ID, TOKEN, make_image

pytestmark = pytest.mark.asyncio


async def post(server: SandboxServer, method: str, token: str = TOKEN,
               **kwargs: Any) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{server.url}/bot{token}/{method}", **kwargs) as response:
            return response.status, json.loads(await response.text())


async def test_get_me_envelope(server: SandboxServer) -> None:
    status, body = await post(server, "getMe")
    assert status == 200
    assert set(body) == {"ok", "result"}
    assert body["ok"] is True
    assert body["result"]["id"] == BOT_ID
    assert body["result"]["is_bot"] is True
    assert body["result"]["username"] == "travel_sandbox_bot"


async def test_malformed_token_is_401(server: SandboxServer) -> None:
    status, body = await post(server, "getMe", token="not-a-token")
    assert status == 401
    assert body == {
        "ok": False,
        "error_code": 401,
        "description": "Unauthorized: invalid token specified",
    }


async def test_unregistered_token_is_401() -> None:
    async with await start_server(tokens=[TOKEN]) as server:
        status, body = await post(server, "getMe", token="42:" + "x" * 30)
        assert status == 401
        assert body["error_code"] == 401
        status, _ = await post(server, "getMe")
        assert status == 200


async def test_ptb_raises_invalid_token(server: SandboxServer) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("12:short", base_url=server.bot_api_url):
            pass


async def test_unknown_method_is_404(server: SandboxServer) -> None:
    status, body = await post(server, "sendTelepathy")
    assert status == 404
    assert body["description"] == "Not Found: method not found"
    assert body["error_code"] == 404


async def test_method_name_case_insensitive(server: SandboxServer) -> None:
    status, body = await post(server, "GETME")
    assert status == 200
    assert body["ok"] is True


async def test_get_with_query_string(server: SandboxServer) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{server.url}/bot{TOKEN}/getUpdates?timeout=0&limit=5"
        async with session.get(url) as response:
            assert response.status == 200
            assert await response.json() == {"ok": True, "result": []}


async def test_error_status_equals_error_code(server: SandboxServer) -> None:
    status, body = await post(server, "sendMessage", data={"chat_id": "777", "text": "hi"})
    assert status == 400
    assert body["error_code"] == 400
    assert body["ok"] is False
    assert body["description"] == "Bad Request: chat not found"
    assert "parameters" not in body


async def test_json_body_accepted(server: SandboxServer) -> None:
    await post(server, "getMe")
    async with aiohttp.ClientSession() as session:
        await session.post(f"{server.url}/control/users", json={"id": 9, "first_name": "Jo"})
        await session.post(f"{server.url}/control/messages", json={"user_id": 9, "text": "hi"})
    status, body = await post(
        server,
        "sendMessage",
        json={
            "chat_id": 9,
            "text": "hello",
            "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]},
        },
    )
    assert status == 200
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"


async def test_multipart_attach_reference(server: SandboxServer) -> None:
    await post(server, "getMe")
    async with aiohttp.ClientSession() as session:
        await session.post(f"{server.url}/control/messages", json={"user_id": 9, "text": "hi"})
    form = aiohttp.FormData()
    form.add_field("chat_id", "9")
    media = [
        {"type": "photo", "media": "attach://one"},
        {"type": "photo", "media": "attach://two", "caption": "second"},
    ]
    form.add_field("media", json.dumps(media))
    form.add_field("one", make_image(30, 20), filename="one.jpg", content_type="image/jpeg")
    form.add_field("two", make_image(20, 30), filename="two.jpg", content_type="image/jpeg")
    status, body = await post(server, "sendMediaGroup", data=form)
    assert status == 200
    first, second = body["result"]
    assert first["media_group_id"] == second["media_group_id"]
    assert first["photo"][-1]["width"] == 30
    assert second["photo"][-1]["height"] == 30
    assert second["caption"] == "second"


async def test_file_download(server: SandboxServer, bot: Bot, started_user: int) -> None:
    image = make_image(64, 48)
    message = await bot.send_photo(started_user, image)
    file = await bot.get_file(message.photo[-1].file_id)
    assert file.file_path is not None
    assert file.file_path.startswith(server.file_url)
    assert bytes(await file.download_as_bytearray()) == image

