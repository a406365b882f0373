"""Check, normalise and compose images into JPEGs that Telegram accepts as photos."""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

# Telegram's sendPhoto limits: at most 10 MB, width + height at most 10000, ratio at most 20.
TELEGRAM_MAX_PHOTO_BYTES = 10 * 1024 * 1024
TELEGRAM_MAX_SIDE_SUM = 10_000
TELEGRAM_MAX_RATIO = 20.0

# Bots download at most 20 MB from Telegram, so a bigger source file is not a photo we expect.
# The cap also bounds the bytes read into memory.
MAX_SOURCE_BYTES = 50 * 1024 * 1024

# Brands in the "ftyp" box of HEIF and AVIF files. Pillow 13 cannot open HEIC without a plugin,
# and it opens AVIF only when built with libavif (as its wheels are since 11.3).
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}

# Pillow raises these while decoding damaged data, depending on the format plugin.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError)

_ALPHA_MODES = {"RGBA", "RGBa", "LA", "PA"}
_RGB_MODES = {"RGB", "RGBA", "RGBa", "RGBX", "P", "PA"}
_WIDE_MODES = {"I", "F", "I;16", "I;16L", "I;16B", "I;16N"}


class ImageRejected(Exception):
    """Raised when a file cannot be turned into a photo, with a short English `reason`."""

    def __init__(self, reason: str, path: str | None = None) -> None:
        self.reason = reason
        self.path = path
        where = f"image {path!r}" if path else "image"
        super().__init__(f"{where} rejected: {reason}")


def content_hash(data: bytes) -> str:
    """Return the SHA-256 hex digest of some bytes, the key of the file_id cache."""
    return hashlib.sha256(data).hexdigest()


def check_image(path: Path) -> None:
    """Open, verify and decode one image file cheaply, or raise ImageRejected."""
    data = _read_source(path)
    with _open(data, str(path)) as image:
        try:
            image.verify()
        except _DECODE_ERRORS as error:
            raise _rejected("truncated or corrupt image", str(path), error) from error

    # verify() does not notice a JPEG cut short, so decode the first frame too. JPEG draft
    # mode decodes large photos at down to 1/8 scale, which keeps this cheap.
    with _open(data, str(path)) as image:
        _load(image, str(path), draft_size=(64, 64))


def normalise_image(
    source: Path | bytes,
    *,
    max_side: int = 1280,
    max_ratio: float = 4.0,
    quality: int = 85,
) -> bytes:
    """Convert an image to a baseline RGB JPEG that Telegram accepts as a photo.

    The first frame is used, EXIF orientation applied, transparency flattened on white,
    a ratio above max_ratio centre-cropped, and the longest side reduced to max_side
    (never enlarged). Raises ImageRejected with the reason when the file is unusable.
    """
    if not 1 <= max_side <= TELEGRAM_MAX_SIDE_SUM // 2:
        raise ValueError(f"max_side is {max_side}, expected 1 to {TELEGRAM_MAX_SIDE_SUM // 2}")
    if not 1.0 <= max_ratio <= TELEGRAM_MAX_RATIO:
        raise ValueError(f"max_ratio is {max_ratio}, expected 1 to {TELEGRAM_MAX_RATIO:g}")
    if not 1 <= quality <= 95:
        raise ValueError(f"quality is {quality}, expected 1 to 95")

    label = str(source) if isinstance(source, Path) else None
    image = _decode_rgb(source, label, draft_size=(max_side, max_side))

    image = _crop_to_ratio(image, max_ratio)
    width, height = image.size
    if max(width, height) > max_side:
        scale = max_side / max(width, height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)

    return _encode_jpeg(image, quality, label)


def compose_pair(
    left: Path | bytes,
    right: Path | bytes,
    *,
    height: int = 640,
    gap: int = 12,
    labels: tuple[str, str] = ("1", "2"),
) -> bytes:
    """Place two photos side by side on one JPEG, each with a corner badge naming its side.

    Both photos are centre-cropped to the same box (square when both are landscape, 4:5
    otherwise) so the pair looks even. The same inputs always give the same bytes.
    """
    if not 64 <= height <= 2000:
        raise ValueError(f"height is {height}, expected 64 to 2000")
    if not 0 <= gap <= height // 4:
        raise ValueError(f"gap is {gap}, expected 0 to {height // 4}")

    photos = []
    for source in (left, right):
        label = str(source) if isinstance(source, Path) else None
        photos.append(_decode_rgb(source, label, draft_size=(height, height)))

    both_landscape = all(photo.width >= photo.height for photo in photos)
    box = (height if both_landscape else round(height * 4 / 5), height)
    canvas = Image.new("RGB", (2 * box[0] + gap, height), "white")
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=max(12, height // 16))

    for index, (photo, text) in enumerate(zip(photos, labels)):
        left_edge = index * (box[0] + gap)
        fitted = ImageOps.fit(photo, box, Image.Resampling.LANCZOS, centering=(0.5, 0.5))
        canvas.paste(fitted, (left_edge, 0))
        _draw_badge(draw, font, text, left_edge, height)

    return _encode_jpeg(canvas, 85, None)


def _draw_badge(
    draw: ImageDraw.ImageDraw,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    text: str,
    left_edge: int,
    height: int,
) -> None:
    radius = max(8, height // 20)
    margin = max(4, height // 40)
    centre = (left_edge + margin + radius, margin + radius)
    box = (centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius)
    draw.ellipse(box, fill=(255, 255, 255), outline=(30, 30, 30), width=max(1, radius // 8))
    draw.text(centre, text, fill=(30, 30, 30), font=font, anchor="mm")


def _read_source(source: Path | bytes) -> bytes:
    label = str(source) if isinstance(source, Path) else None
    if isinstance(source, Path):
        try:
            if source.stat().st_size > MAX_SOURCE_BYTES:
                raise _rejected("image too large", label)
            data = source.read_bytes()
        except FileNotFoundError as error:
            raise _rejected("file not found", label, error) from error
        except (OSError, ValueError) as error:
            # Path operations raise ValueError for a path containing a NUL byte.
            raise _rejected("unreadable file", label, error) from error
    else:
        data = bytes(source)

    if not data:
        raise _rejected("empty file", label)
    if len(data) > MAX_SOURCE_BYTES:
        raise _rejected("image too large", label)
    return data


def _open(data: bytes, label: str | None) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _rejected("image too large", label, error) from error
    except UnidentifiedImageError as error:
        raise _rejected(_describe_unknown(data), label, error) from error
    except _DECODE_ERRORS as error:
        raise _rejected("truncated or corrupt image", label, error) from error

    # Pillow only warns between MAX_IMAGE_PIXELS and twice that, and a warning filter may
    # hide the warning, so the pixel count is checked here as well.
    # NOTE: Pillow's default limit (about 89.5 megapixels) also rejects full-size photos from
    # 108- and 200-megapixel phone cameras.
    limit = Image.MAX_IMAGE_PIXELS
    if limit and image.width * image.height > limit:
        image.close()
        raise _rejected("image too large", label)
    if image.width < 1 or image.height < 1:
        image.close()
        raise _rejected("truncated or corrupt image", label)
    return image


def _load(image: Image.Image, label: str | None, draft_size: tuple[int, int]) -> None:
    """Decode the current frame, in JPEG draft mode when the image is larger than needed."""
    if image.format in ("JPEG", "MPO"):
        image.draft(image.mode, draft_size)
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _rejected("image too large", label, error) from error
    except _DECODE_ERRORS as error:
        raise _rejected("truncated or corrupt image", label, error) from error


def _decode_rgb(
    source: Path | bytes, label: str | None, draft_size: tuple[int, int]
) -> Image.Image:
    """Read the first frame of an image, upright and in RGB with transparency on white."""
    data = _read_source(source)
    with _open(data, label) as image:
        # Only the current frame, the first, is decoded because nothing seeks further.
        _load(image, label, draft_size)
        try:
            upright = ImageOps.exif_transpose(image)
        except _DECODE_ERRORS as error:
            # A damaged EXIF block only loses the orientation, because the pixels are intact.
            logger.debug("EXIF orientation ignored path=%s error=%s", label, error)
            upright = image.copy()

    # An RGB colour profile (Display P3 from phones, say) still describes the RGB result,
    # but a CMYK or grey profile would not, so it is dropped.
    icc_profile = upright.info.get("icc_profile") if upright.mode in _RGB_MODES else None
    try:
        rgb = _to_rgb(upright)
    except _DECODE_ERRORS as error:
        raise _rejected("unsupported colour mode", label, error) from error
    rgb.info = {"icc_profile": icc_profile} if icc_profile else {}
    return rgb


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in _WIDE_MODES:
        image = _to_8bit(image)
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode != "RGB":
        # The JPEG decoder already undoes Adobe's inverted CMYK, so a plain convert is right.
        return image.convert("RGB")
    return image


def _to_8bit(image: Image.Image) -> Image.Image:
    """Scale a 16-bit, 32-bit or float greyscale image to mode L, or LA if it has a tRNS colour."""
    alpha = None
    if "transparency" in image.info and image.mode != "F":
        # Pillow compares the raw samples with the tRNS value, before any scaling.
        alpha = image.convert("RGBA").getchannel("A")

    # Samples already within 0-255 are kept as they are, and wider ones are scaled to 0-255.
    wide = image.convert("F")
    high = wide.getextrema()[1]
    scale = 255 / high if high > 255 else 1.0
    grey = wide.point(lambda value: value * scale).convert("L")
    if alpha is not None:
        grey.putalpha(alpha)
    return grey


def _crop_to_ratio(image: Image.Image, max_ratio: float) -> Image.Image:
    width, height = image.size
    if width > height * max_ratio:
        keep = max(1, min(width, round(height * max_ratio)))
        left = (width - keep) // 2
        return image.crop((left, 0, left + keep, height))
    if height > width * max_ratio:
        keep = max(1, min(height, round(width * max_ratio)))
        top = (height - keep) // 2
        return image.crop((0, top, width, top + keep))
    return image


def _encode_jpeg(image: Image.Image, quality: int, label: str | None) -> bytes:
    # Each retry lowers the quality until the file fits Telegram's 10 MB photo limit.
    icc_profile = image.info.get("icc_profile")
    for attempt_quality in [quality, *range(quality - 10, 29, -10)]:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=attempt_quality, progressive=False, optimize=False,
                   icc_profile=icc_profile)
        data = buffer.getvalue()
        if len(data) <= TELEGRAM_MAX_PHOTO_BYTES:
            return data
    raise _rejected("image too large", label)


def _describe_unknown(data: bytes) -> str:
    """Name what an image Pillow cannot identify is, from its first bytes."""
    brands = _ftyp_brands(data)
    if brands & _AVIF_BRANDS:
        return "AVIF is not supported"
    if brands & _HEIF_BRANDS:
        return "HEIC is not supported"
    return "not an image"


def _ftyp_brands(data: bytes) -> set[bytes]:
    """Return the major and compatible brands of an ISO base media file ("ftyp" box)."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return set()
    size = min(int.from_bytes(data[0:4], "big"), len(data), 256)
    brands = {data[8:12]}
    # Bytes 12-16 are the minor version, and the compatible brands follow, 4 bytes each.
    brands.update(data[offset:offset + 4] for offset in range(16, size - 3, 4))
    return brands


def _rejected(reason: str, label: str | None, error: BaseException | None = None) -> ImageRejected:
    logger.debug("image rejected path=%s reason=%s error=%s", label, reason, error)
    return ImageRejected(reason, label)
