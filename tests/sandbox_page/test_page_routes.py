"""The page's routes without a browser: files, guards, stored files, command menus, the demo."""

from __future__ import annotations

import io
import re
from typing import Any

import aiohttp
from PIL import Image
from telegram import Bot, BotCommand, BotCommandScopeChat

from sandbox.client import SandboxClient
from sandbox.demo import DEMO_ADMIN, DEMO_ADVISORS, prepare_demo
from sandbox.page import PAGE_FILES, WEB_ROOT
from sandbox.server import start_server
from tests.conftest import TOKEN


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, "JPEG")
    return buffer.getvalue()


async def fetch(url: str, method: str = "GET", **options: Any) -> tuple[int, dict[str, str],
                                                                         bytes]:
    async with aiohttp.ClientSession() as session:
        async with session.request(method, url, **options) as response:
            return response.status, dict(response.headers), await response.read()


async def test_page_served_with_strict_policy(sandbox: Any) -> None:
    status, headers, body = await fetch(sandbox.url + "/")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert b'src="/web/app.js"' in body

    status, headers, _ = await fetch(sandbox.url + "/web/app.js")
    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")


async def test_only_listed_page_files_served(sandbox: Any) -> None:
    for path in ("/web/secret.py", "/web/..%2Fpage.py", "/web/%2e%2e/server.py"):
        status, _, _ = await fetch(sandbox.url + path)
        assert status == 404, path


def test_page_files_load_nothing_from_elsewhere() -> None:
    for name in PAGE_FILES:
        text = (WEB_ROOT / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://|url\(\s*['\"]?//|@import", text), name


def test_page_scripts_never_parse_html() -> None:
    # Data reaches the DOM as text nodes only; these sinks would parse it as markup.
    for name in PAGE_FILES:
        if name.endswith(".js"):
            text = (WEB_ROOT / name).read_text(encoding="utf-8")
            for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                         "eval(", "new Function"):
                assert sink not in text, f"{name} uses {sink}"


async def test_foreign_host_rejected(sandbox: Any) -> None:
    status, _, body = await fetch(sandbox.url + "/control/chats",
                                  headers={"Host": "rebound.example:8080"})
    assert status == 403
    assert b"loopback" in body


async def test_cross_origin_control_call_rejected(sandbox: Any) -> None:
    spec = {"id": 5, "first_name": "Eve"}
    status, _, _ = await fetch(sandbox.url + "/control/users", "POST", json=spec,
                               headers={"Origin": "http://elsewhere.example"})
    assert status == 403
    status, _, _ = await fetch(sandbox.url + "/control/users", "POST", json=spec,
                               headers={"Origin": sandbox.url})
    assert status == 200


async def test_document_served_as_download(sandbox: Any, client: SandboxClient) -> None:
    await client.add_user(5001, "Ann")
    document = {"base64": "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "file_name": 'a"b.html',
                "mime_type": "text/html"}
    await client.send_message(5001, document=document)
    [message] = await client.messages(5001)

    status, headers, body = await fetch(
        f"{sandbox.url}/control/files/{message['document']['file_id']}")
    assert status == 200
    assert body == b"<script>alert(1)</script>"
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"] == 'attachment; filename="a_b.html"'
    assert "sandbox" in headers["Content-Security-Policy"]


async def test_photo_served_inline(sandbox: Any, client: SandboxClient) -> None:
    await client.add_user(5001, "Ann")
    await client.send_photo(5001, jpeg())
    [message] = await client.messages(5001)

    status, headers, body = await fetch(f"{sandbox.url}/control/files/{message['photo_file_id']}")
    assert status == 200
    assert headers["Content-Type"] == "image/jpeg"
    assert "Content-Disposition" not in headers
    assert body == jpeg()

    status, _, _ = await fetch(f"{sandbox.url}/control/files/unknown")
    assert status == 404


async def test_command_menu_resolved_by_scope(sandbox: Any, client: SandboxClient) -> None:
    await client.add_user(900, "Admin", language_code="en")
    await client.add_user(901, "Person", language_code="fr")
    async with Bot(TOKEN, base_url=sandbox.bot_api_url) as bot:
        await bot.set_my_commands([BotCommand("start", "Démarrer")])
        await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
        await bot.set_my_commands([BotCommand("stats", "Statistiques")],
                                  scope=BotCommandScopeChat(900))

    admin_menu = await client.request("GET", "chats/900/commands", query={"language_code": "en"})
    assert [command["command"] for command in admin_menu] == ["stats"]
    english = await client.request("GET", "chats/901/commands", query={"language_code": "en"})
    assert english == [{"command": "start", "description": "Start"}]
    french = await client.request("GET", "chats/901/commands", query={"language_code": "fr"})
    assert french == [{"command": "start", "description": "Démarrer"}]


async def test_users_and_members_listed(sandbox: Any, client: SandboxClient) -> None:
    async with Bot(TOKEN, base_url=sandbox.bot_api_url):
        pass  # Blocking sends my_chat_member, which needs a connected bot.
    await client.add_user(5001, "Ann", language_code="fr")
    await client.add_user(5002, "Bob")
    chat_id = await client.add_group("Team", [5001], admins=[5002])
    await client.send_text(5002, "hi")
    await client.block(5002)

    users = {user["id"]: user for user in await client.request("GET", "users")}
    assert users[5001]["language_code"] == "fr"
    assert users[5002]["blocked"] is True
    members = await client.request("GET", f"chats/{chat_id}/members")
    assert {(member["user"]["id"], member["status"]) for member in members} == {
        (5001, "creator"), (5002, "administrator")}


async def test_demo_prepares_groups_and_roles() -> None:
    server = await start_server()
    try:
        roles = prepare_demo(server, campaigns=["soleil"])
        async with SandboxClient(server.url) as client:
            info = await client.request("GET", "page")
            chats = {chat["id"]: chat for chat in await client.chats()}

        assert info["roles"]["agent_chat_id"] == roles.agent_chat_id
        assert info["roles"]["campaigns"] == ["soleil"]
        assert info["roles"]["admin_ids"] == [DEMO_ADMIN["id"]]
        assert info["roles"]["advisor_ids"] == [spec["id"] for spec in DEMO_ADVISORS]
        forum_id, plain_id = roles.group_ids
        assert chats[forum_id]["is_forum"] is True
        assert "is_forum" not in chats[plain_id]
        world = server.state.world()
        for chat_id in roles.group_ids:
            assert world.chats[chat_id].bot_can("can_manage_topics")
    finally:
        await server.close()


async def test_demo_keeps_configured_group_and_admins() -> None:
    server = await start_server()
    try:
        roles = prepare_demo(server, agent_chat_id=-100555, admin_ids=[4242])
        assert roles.agent_chat_id == -100555
        assert roles.admin_ids == [4242]
        assert 4242 in server.state.world().users
    finally:
        await server.close()
