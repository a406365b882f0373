"""Send and edit photos through Telegram's file_id cache, so a warm bot uploads nothing twice."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import Bot, InlineKeyboardMarkup, InputMediaPhoto, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest

from media.images import compose_pair, normalise_image
from store import media_cache
from store.db import Database

logger = logging.getLogger(__name__)

# Bump when normalise_image or compose_pair change their output, so old file_ids are not reused.
RENDER_VERSION = "v1"


@functools.lru_cache(maxsize=1024)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def file_digest(path: Path) -> str:
    stat = path.stat()
    return _file_digest(str(path), stat.st_mtime_ns, stat.st_size)


class RenderedImages:
    """A small in-memory cache of rendered JPEG bytes, for images uploaded more than once."""

    def __init__(self, capacity: int = 64) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, bytes] = OrderedDict()

    def get(self, key: str) -> bytes | None:
        data = self._items.get(key)
        if data is not None:
            self._items.move_to_end(key)
        return data

    def put(self, key: str, data: bytes) -> None:
        self._items[key] = data
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)


def _is_bad_file_id(error: BadRequest) -> bool:
    text = error.message.lower()
    return "wrong file identifier" in text or "file reference" in text or \
        "wrong remote file" in text


class MediaSender:
    """Renders images off the event loop and sends them by cached file_id when it can."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.rendered = RenderedImages()

    @staticmethod
    def photo_key(path: Path) -> str:
        return hashlib.sha256(f"photo-{RENDER_VERSION}:{file_digest(path)}".encode()).hexdigest()

    @staticmethod
    def pair_key(left: Path, right: Path) -> str:
        seed = f"pair-{RENDER_VERSION}:{file_digest(left)}:{file_digest(right)}"
        return hashlib.sha256(seed.encode()).hexdigest()

    async def _render(self, key: str, render: Callable[[], bytes]) -> bytes:
        data = self.rendered.get(key)
        if data is None:
            data = await asyncio.to_thread(render)
            self.rendered.put(key, data)
        return data

    async def _with_cache(self, bot: Bot, key: str, render: Callable[[], bytes],
                          send: Callable[[str | bytes], Awaitable[Message | bool]]) -> Message:
        """Send by cached file_id; on a rejected file_id or a cache miss, upload and cache it."""
        file_id = await media_cache.get_file_id(self.db, key, bot.id)
        if file_id is not None:
            try:
                result = await send(file_id)
                if isinstance(result, Message):
                    return result
            except BadRequest as error:
                if not _is_bad_file_id(error):
                    raise
                logger.warning("cached file_id rejected key=%s bot_id=%d", key[:12], bot.id)
                await media_cache.forget_file_id(self.db, key, bot.id)

        data = await self._render(key, render)
        result = await send(data)
        if not isinstance(result, Message):
            raise TypeError("inline messages are not used by this bot")
        if result.photo:
            await media_cache.put_file_id(self.db, key, bot.id, result.photo[-1].file_id)
        return result

    async def send_photo(self, bot: Bot, chat_id: int, path: Path, caption: str,
                         keyboard: InlineKeyboardMarkup | None) -> Message:
        async def send(photo: str | bytes) -> Message:
            return await bot.send_photo(chat_id, photo, caption=caption,
                                        parse_mode=ParseMode.HTML, reply_markup=keyboard)

        return await self._with_cache(bot, self.photo_key(path),
                                      functools.partial(normalise_image, path), send)

    async def send_pair(self, bot: Bot, chat_id: int, left: Path, right: Path, caption: str,
                        keyboard: InlineKeyboardMarkup) -> Message:
        async def send(photo: str | bytes) -> Message:
            return await bot.send_photo(chat_id, photo, caption=caption,
                                        parse_mode=ParseMode.HTML, reply_markup=keyboard)

        return await self._with_cache(bot, self.pair_key(left, right),
                                      functools.partial(compose_pair, left, right), send)

    async def edit_pair(self, bot: Bot, chat_id: int, message_id: int, left: Path, right: Path,
                        caption: str, keyboard: InlineKeyboardMarkup) -> Message:
        """Replace the photo, caption and keyboard of an existing quiz message in one call."""
        async def send(photo: str | bytes) -> Message | bool:
            media = InputMediaPhoto(photo, caption=caption, parse_mode=ParseMode.HTML)
            return await bot.edit_message_media(media, chat_id=chat_id, message_id=message_id,
                                                reply_markup=keyboard)

        return await self._with_cache(bot, self.pair_key(left, right),
                                      functools.partial(compose_pair, left, right), send)
