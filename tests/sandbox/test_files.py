"""Files: stable PhotoSize ids, file_id reuse without upload, and the bytes-uploaded counter."""

import pytest
from telegram import Bot, InputMediaPhoto
from telegram.error import BadRequest

from sandbox.client import SandboxClient
from tests.sandbox.conftest import make_image

pytestmark = pytest.mark.asyncio


async def test_photo_sizes(bot: Bot, started_user: int) -> None:
    message = await bot.send_photo(started_user, make_image(1600, 1200))
    sizes = message.photo
    assert [max(size.width, size.height) for size in sizes] == [90, 320, 800, 1280, 1600]
    assert sizes[-1].width == 1600
    assert sizes[-1].height == 1200
    assert len({size.file_id for size in sizes}) == len(sizes)
    assert all(size.file_unique_id and size.file_size for size in sizes)


async def test_file_id_reuse_uploads_nothing(bot: Bot, sandbox: SandboxClient,
                                             started_user: int) -> None:
    image = make_image(640, 480)
    first = await bot.send_photo(started_user, image)
    uploaded = (await sandbox.stats())["bytes_uploaded"]["sendPhoto"]
    assert uploaded >= len(image)

    second = await bot.send_photo(started_user, first.photo[-1].file_id)
    assert [p.file_id for p in second.photo] == [p.file_id for p in first.photo]
    stats = await sandbox.stats()
    assert stats["bytes_uploaded"]["sendPhoto"] == uploaded
    assert stats["calls"]["sendPhoto"] == 2


async def test_same_content_same_ids(bot: Bot, started_user: int) -> None:
    image = make_image(64, 64, "green")
    first = await bot.send_photo(started_user, image)
    second = await bot.send_photo(started_user, image)
    assert first.photo[-1].file_id == second.photo[-1].file_id
    assert first.photo[-1].file_unique_id == second.photo[-1].file_unique_id


async def test_unknown_file_id(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    with pytest.raises(BadRequest, match="Wrong file identifier/http url specified"):
        await bot.send_photo(started_user, "AgACAgIAAxkBAAIBunknown")
    calls = await sandbox.calls(method="sendPhoto")
    assert calls[-1]["description"] == "Bad Request: wrong file identifier/HTTP URL specified"


async def test_document_round_trip(bot: Bot, started_user: int) -> None:
    sent = await bot.send_document(started_user, b"brochure", filename="brochure.pdf")
    assert sent.document.file_name == "brochure.pdf"
    again = await bot.send_document(started_user, sent.document.file_id)
    assert again.document.file_id == sent.document.file_id
    with pytest.raises(BadRequest, match="Can't use file of type document as photo"):
        await bot.send_photo(started_user, sent.document.file_id)


async def test_album_by_file_id(bot: Bot, sandbox: SandboxClient, started_user: int) -> None:
    first = await bot.send_photo(started_user, make_image(30, 30, "red"))
    second = await bot.send_photo(started_user, make_image(30, 30, "blue"))
    before = (await sandbox.stats())["total_bytes_uploaded"]
    album = await bot.send_media_group(
        started_user,
        [InputMediaPhoto(first.photo[-1].file_id), InputMediaPhoto(second.photo[-1].file_id)],
    )
    assert album[0].photo[-1].file_id == first.photo[-1].file_id
    assert (await sandbox.stats())["total_bytes_uploaded"] == before


async def test_calls_log_hides_file_bytes(bot: Bot, sandbox: SandboxClient,
                                          started_user: int) -> None:
    image = make_image(20, 20)
    await bot.send_photo(started_user, image)
    [call] = await sandbox.calls(method="sendPhoto")
    assert call["params"]["photo"] == {"file": call["params"]["photo"]["file"], "size": len(image)}
    assert call["uploaded_bytes"] == len(image)
