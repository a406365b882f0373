"""Tests of media.images against the shared corpus of awkward images and synthetic ones."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFile, ImageStat

from media.images import (
    TELEGRAM_MAX_PHOTO_BYTES,
    TELEGRAM_MAX_RATIO,
    TELEGRAM_MAX_SIDE_SUM,
    ImageRejected,
    check_image,
    compose_pair,
    content_hash,
    normalise_image,
)

CORPUS_IMAGES = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "images"

needs_corpus = pytest.mark.skipif(
    not CORPUS_IMAGES.is_dir(),
    reason="the image corpus (shared/corpus/images beside the repository) is absent",
)

OK = "ok"

# Expected outcome of each corpus file, which is OK or the reason it must be rejected with.
CORPUS_EXPECTED = {
    "animated.gif": OK,
    "animated.webp": OK,
    "avif.avif": OK,  # or "AVIF is not supported" on a Pillow without AVIF, see the test
    "bomb-65535x66601.gif": "image too large",
    "cmyk-adobe.jpg": OK,
    "corrupt-header.jpg": "truncated or corrupt image",
    "empty.jpg": "empty file",
    "exif-orientation-2.jpg": OK,
    "exif-orientation-3.jpg": OK,
    "exif-orientation-4.jpg": OK,
    "exif-orientation-5.jpg": OK,
    "exif-orientation-6.jpg": OK,
    "exif-orientation-7.jpg": OK,
    "exif-orientation-8.jpg": OK,
    "extreme-strip-2725x1.jpg": OK,
    "giant-20000x14000.jpg": "image too large",
    "gray-alpha-la.png": OK,
    "gray16-trns.png": OK,
    "grayscale.jpg": OK,
    "heic-hevc.heic": "HEIC is not supported",
    "mpo-stereo.mpo": OK,
    "not-an-image.jpg": "not an image",
    "palette-trns.png": OK,
    "progressive-app13.jpg": OK,
    "rgb16.png": OK,
    "rgba-transparent.png": OK,
    "rgba.webp": OK,
    "tiff-16bit-rgba.tiff": OK,
    "tiny-1x1.png": OK,
    "truncated.jpg": "truncated or corrupt image",
    "ultrahdr-gain-map.jpg": OK,
    "wide-750x30.png": OK,
}


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_valid_photo(data: bytes, max_side: int = 1280, max_ratio: float = 4.0) -> Image.Image:
    """Check that bytes are a baseline RGB JPEG within the normaliser's and Telegram's limits."""
    image = decode(data)
    width, height = image.size
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    assert not image.info.get("progressive")
    assert len(data) <= TELEGRAM_MAX_PHOTO_BYTES
    assert min(width, height) >= 1
    assert max(width, height) <= max_side
    assert width + height <= TELEGRAM_MAX_SIDE_SUM
    # Rounding the short side to whole pixels may move the ratio by up to one pixel's worth.
    assert max(width, height) / min(width, height) <= max_ratio * (1 + 1 / min(width, height))
    assert max(width, height) / min(width, height) <= TELEGRAM_MAX_RATIO
    return image


def solid_png(colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


@needs_corpus
def test_corpus_table_lists_every_file() -> None:
    present = {path.name for path in CORPUS_IMAGES.iterdir() if path.is_file()}
    assert present - CORPUS_EXPECTED.keys() == set()


@needs_corpus
@pytest.mark.parametrize("name", sorted(CORPUS_EXPECTED))
def test_corpus_image_outcome(name: str) -> None:
    path = CORPUS_IMAGES / name
    expected = CORPUS_EXPECTED[name]

    if expected == OK:
        check_image(path)
        assert_valid_photo(normalise_image(path))
        return

    with pytest.raises(ImageRejected) as checked:
        check_image(path)
    assert checked.value.reason == expected
    assert checked.value.path == str(path)
    assert name in str(checked.value)
    assert expected in str(checked.value)

    with pytest.raises(ImageRejected) as normalised:
        normalise_image(path)
    assert normalised.value.reason == expected


@needs_corpus
@pytest.mark.parametrize("orientation", range(2, 9))
def test_exif_orientation_gives_upright_landscape(orientation: int) -> None:
    result = decode(normalise_image(CORPUS_IMAGES / f"exif-orientation-{orientation}.jpg"))
    assert result.size == (600, 450)

    # Every orientation shows the same picture once turned upright, so all results match.
    reference = decode(normalise_image(CORPUS_IMAGES / "exif-orientation-2.jpg"))
    small = (60, 45)
    difference = ImageChops.difference(
        result.convert("L").resize(small), reference.convert("L").resize(small)
    )
    assert ImageStat.Stat(difference).mean[0] < 10


@needs_corpus
def test_transparent_png_flattened_on_white() -> None:
    source = Image.open(CORPUS_IMAGES / "rgba-transparent.png")
    assert source.getchannel("A").getpixel((0, 0)) == 0

    result = decode(normalise_image(CORPUS_IMAGES / "rgba-transparent.png"))
    assert min(result.getpixel((0, 0))) > 240
    assert min(result.getpixel((0, result.height - 1))) > 240


@needs_corpus
@pytest.mark.parametrize("name", ["palette-trns.png", "gray-alpha-la.png", "rgba.webp"])
def test_alpha_images_have_no_black_background(name: str) -> None:
    source = Image.open(CORPUS_IMAGES / name).convert("RGBA")
    transparent = [
        (x, y)
        for x in range(0, source.width, 7)
        for y in range(0, source.height, 7)
        if source.getpixel((x, y))[3] == 0
    ]
    assert transparent, "the sample has no fully transparent pixel to check"

    result = decode(normalise_image(CORPUS_IMAGES / name))
    scale = result.width / source.width
    x, y = transparent[0]
    x = min(result.width - 1, int(x * scale))
    y = min(result.height - 1, int(y * scale))
    pixel = result.getpixel((x, y))
    assert min(pixel) > 200


@needs_corpus
def test_cmyk_adobe_not_inverted() -> None:
    # The picture is the word RED in red on black, so inverted CMYK would give cyan on white.
    result = decode(normalise_image(CORPUS_IMAGES / "cmyk-adobe.jpg"))
    red, green, blue = ImageStat.Stat(result).mean
    assert red > 2 * green
    assert red > 2 * blue
    assert max(red, green, blue) < 128


@needs_corpus
@pytest.mark.parametrize("max_ratio", [4.0, 20.0])
def test_extreme_strip_cropped_to_valid_photo(max_ratio: float) -> None:
    data = normalise_image(CORPUS_IMAGES / "extreme-strip-2725x1.jpg", max_ratio=max_ratio)
    result = assert_valid_photo(data, max_ratio=max_ratio)
    assert result.height == 1
    assert result.width == round(max_ratio)


@needs_corpus
def test_wide_strip_keeps_ratio_up_to_limit() -> None:
    # 750x30 is 25:1, above Telegram's 20:1, so even the widest allowed crop trims it.
    result = decode(normalise_image(CORPUS_IMAGES / "wide-750x30.png", max_ratio=20.0))
    assert result.size == (600, 30)


@needs_corpus
@pytest.mark.parametrize("name", ["bomb-65535x66601.gif", "giant-20000x14000.jpg"])
def test_oversized_images_rejected_as_too_large(name: str) -> None:
    with pytest.raises(ImageRejected, match="image too large"):
        normalise_image((CORPUS_IMAGES / name).read_bytes())


@needs_corpus
def test_heic_rejected_with_message() -> None:
    with pytest.raises(ImageRejected) as error:
        normalise_image(CORPUS_IMAGES / "heic-hevc.heic")
    assert error.value.reason == "HEIC is not supported"
    assert "HEIC is not supported" in str(error.value)


@needs_corpus
def test_avif_normalised_or_rejected_clearly() -> None:
    try:
        data = normalise_image(CORPUS_IMAGES / "avif.avif")
    except ImageRejected as error:
        assert error.reason == "AVIF is not supported"
    else:
        assert decode(data).size == (128, 128)


@needs_corpus
@pytest.mark.parametrize(
    ("name", "size"),
    [("animated.gif", (370, 285)), ("animated.webp", (245, 245)), ("mpo-stereo.mpo", (640, 480))],
)
def test_multi_frame_images_use_first_frame(name: str, size: tuple[int, int]) -> None:
    result = assert_valid_photo(normalise_image(CORPUS_IMAGES / name))
    assert result.size == size


@needs_corpus
def test_large_photo_downscaled_to_max_side() -> None:
    result = decode(normalise_image(CORPUS_IMAGES / "ultrahdr-gain-map.jpg"))
    assert result.size == (1280, 720)

    smaller = decode(normalise_image(CORPUS_IMAGES / "ultrahdr-gain-map.jpg", max_side=320))
    assert smaller.size == (320, 180)


@needs_corpus
def test_tiny_image_not_upscaled() -> None:
    assert decode(normalise_image(CORPUS_IMAGES / "tiny-1x1.png")).size == (1, 1)


@needs_corpus
def test_path_and_bytes_give_same_result() -> None:
    path = CORPUS_IMAGES / "progressive-app13.jpg"
    assert normalise_image(path) == normalise_image(path.read_bytes())


def test_full_range_16bit_grey_scaled_not_clipped() -> None:
    # A left-to-right ramp over the whole 16-bit range: clipping would make most of it white.
    ramp = Image.new("I;16", (256, 64))
    for x in range(256):
        for y in range(64):
            ramp.putpixel((x, y), x * 257)
    buffer = io.BytesIO()
    ramp.save(buffer, "PNG")

    result = decode(normalise_image(buffer.getvalue()))
    assert result.getpixel((0, 4))[0] < 10
    assert 110 < result.getpixel((128, 4))[0] < 145
    assert result.getpixel((255, 4))[0] > 245


def test_tall_image_cropped_to_max_ratio() -> None:
    result = assert_valid_photo(normalise_image(solid_png((0, 128, 0), (50, 1000))))
    assert result.size == (50, 200)


def test_rejected_bytes_have_no_path() -> None:
    with pytest.raises(ImageRejected) as error:
        normalise_image(b"plain text, not a picture")
    assert error.value.path is None
    assert error.value.reason == "not an image"
    assert str(error.value) == "image rejected: not an image"


def test_empty_bytes_rejected() -> None:
    with pytest.raises(ImageRejected, match="empty file"):
        normalise_image(b"")


def test_truncated_png_bytes_rejected() -> None:
    data = solid_png((10, 20, 30), (300, 300))
    with pytest.raises(ImageRejected) as error:
        normalise_image(data[: len(data) // 2])
    assert error.value.reason == "truncated or corrupt image"


@pytest.mark.parametrize(
    "options",
    [{"max_side": 0}, {"max_side": 6000}, {"max_ratio": 0.5}, {"max_ratio": 25.0}, {"quality": 0}],
)
def test_normalise_rejects_bad_options(options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        normalise_image(solid_png((0, 0, 0), (10, 10)), **options)  # type: ignore[arg-type]


def test_check_image_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jpg"
    with pytest.raises(ImageRejected) as error:
        check_image(missing)
    assert error.value.reason == "file not found"
    assert error.value.path == str(missing)
    assert "missing.jpg" in str(error.value)


def test_check_image_directory_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ImageRejected) as error:
        check_image(tmp_path)
    assert error.value.reason == "unreadable file"


def test_check_image_nul_byte_path_unreadable() -> None:
    with pytest.raises(ImageRejected) as error:
        check_image(Path("photo\0.jpg"))
    assert error.value.reason == "unreadable file"


@needs_corpus
def test_truncated_jpeg_leaves_pillow_setting_alone() -> None:
    with pytest.raises(ImageRejected):
        normalise_image(CORPUS_IMAGES / "truncated.jpg")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_check_image_accepts_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "green.png"
    path.write_bytes(solid_png((0, 200, 0), (40, 30)))
    check_image(path)


def test_compose_pair_landscape_dimensions() -> None:
    left = solid_png((220, 0, 0), (400, 300))
    right = solid_png((0, 0, 220), (300, 200))

    result = assert_valid_photo(compose_pair(left, right), max_side=2 * 640 + 12, max_ratio=3.0)
    assert result.size == (2 * 640 + 12, 640)

    # The left half shows the red photo, the right half the blue one, the gap stays white.
    red = ImageStat.Stat(result.crop((100, 200, 540, 600))).mean
    blue = ImageStat.Stat(result.crop((752, 200, 1192, 600))).mean
    gap = ImageStat.Stat(result.crop((642, 100, 650, 600))).mean
    assert red[0] > 180
    assert red[2] < 60
    assert blue[2] > 180
    assert blue[0] < 60
    assert min(gap) > 240


def test_compose_pair_portrait_uses_four_by_five_box() -> None:
    left = solid_png((220, 0, 0), (300, 500))
    right = solid_png((0, 0, 220), (400, 300))
    result = decode(compose_pair(left, right, height=500, gap=10))
    assert result.size == (2 * 400 + 10, 500)


def test_compose_pair_draws_corner_badges() -> None:
    plain = solid_png((0, 0, 0), (400, 300))
    result = decode(compose_pair(plain, plain))
    # The badge is a white disc with a dark digit near each photo's top left corner.
    left_badge = result.crop((16, 16, 80, 80))
    right_badge = result.crop((652 + 16, 16, 652 + 80, 80))
    assert ImageStat.Stat(left_badge).mean[0] > 100
    assert ImageStat.Stat(right_badge).mean[0] > 100
    assert ImageChops.difference(left_badge, right_badge).getbbox() is not None


def test_compose_pair_deterministic() -> None:
    left = solid_png((200, 100, 0), (640, 480))
    right = solid_png((0, 100, 200), (480, 640))
    assert compose_pair(left, right) == compose_pair(left, right)


def test_compose_pair_rejects_bad_source() -> None:
    with pytest.raises(ImageRejected, match="not an image"):
        compose_pair(b"not an image", solid_png((0, 0, 0), (10, 10)))


@needs_corpus
def test_compose_pair_from_corpus_paths() -> None:
    left = CORPUS_IMAGES / "exif-orientation-6.jpg"
    right = CORPUS_IMAGES / "rgba-transparent.png"
    first = compose_pair(left, right)
    assert decode(first).size == (2 * 640 + 12, 640)
    assert compose_pair(left, right) == first


def test_content_hash_is_sha256_hex() -> None:
    assert content_hash(b"") == hashlib.sha256(b"").hexdigest()
    assert content_hash(b"abc") != content_hash(b"abd")
    assert len(content_hash(b"abc")) == 64
