"""Training images from a folder: formats, values, labels, bad files, bombs, the cache, memory.

Every image is written by the test itself (no committed binaries); the cache lives in tmp_path.
"""
import json
import os
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from minigan.data import DataError, load_folder, load_images
from minigan.data import folder as folder_mod


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def quiet(_message):
    pass


def save(path, array, mode=None, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array), mode=mode).save(path, **kwargs)
    return path


def png_declaring(width, height):
    """A tiny, well-formed PNG whose header claims width x height RGB pixels: a decompression bomb."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@pytest.fixture
def mixed(tmp_path):
    """Two class folders of images in several sizes, modes and formats, one corrupt, one truncated."""
    rng = np.random.default_rng(0)
    root = tmp_path / "pictures"
    save(root / "cats" / "a.png", rng.integers(0, 256, (50, 80, 3), dtype=np.uint8))
    save(root / "cats" / "b.jpg", rng.integers(0, 256, (90, 40), dtype=np.uint8), quality=95)
    save(root / "cats" / "deeper" / "c.bmp", rng.integers(0, 256, (33, 33, 3), dtype=np.uint8))
    (root / "cats" / "d.jpg").write_bytes(b"this is not a JPEG")
    save(root / "dogs" / "e.png", rng.integers(0, 256, (30, 30, 4), dtype=np.uint8))           # RGBA
    Image.fromarray(rng.integers(0, 256, (40, 30, 3), dtype=np.uint8)).convert("P").save(root / "dogs" / "f.gif")
    save(root / "dogs" / "g.tif", rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    good = (root / "cats" / "a.png").read_bytes()
    (root / "dogs" / "h.png").write_bytes(good[:len(good) // 2])                                 # truncated
    (root / "dogs" / "notes.txt").write_text("not an image, and not named like one")
    (root / "dogs" / ".hidden.png").write_bytes(b"hidden files are ignored")
    return root


def test_mixed_folder_gives_labelled_colour_images_and_skips_bad_files(mixed):
    logged = []
    data = load_images(mixed, image_size=16, log=logged.append)
    assert data.images.shape == (6, 3, 16, 16) and data.images.dtype == np.float32
    assert data.images.min() >= -1 and data.images.max() <= 1
    assert data.classes == ("cats", "dogs")
    np.testing.assert_array_equal(data.labels, [0, 0, 0, 1, 1, 1])     # c.bmp, two folders deep, is a cat
    assert data.skipped == 2
    assert [name.split(":")[0] for name in data.skipped_names] == ["cats/d.jpg", "dogs/h.png"]
    assert any("skipped 2 unreadable files" in line and "cats/d.jpg" in line for line in logged)


def test_values_are_scaled_to_minus_one_one_and_centre_cropped(tmp_path):
    stripes = np.zeros((20, 60, 3), np.uint8)
    stripes[:, :20] = (255, 0, 0)
    stripes[:, 20:40] = (0, 255, 0)            # the centre square of a 60 x 20 image is this stripe
    stripes[:, 40:] = (0, 0, 255)
    save(tmp_path / "f" / "stripes.png", stripes)
    save(tmp_path / "f" / "grey.png", np.full((12, 12), 51, np.uint8))
    data = load_images(tmp_path / "f", image_size=8, cache=False, log=quiet)
    grey, green = data.images                  # files are taken in sorted order
    np.testing.assert_allclose(green[:, 2:-2, 2:-2].mean(axis=(1, 2)), [-1, 1, -1], atol=0.01)   # 8-bit rounding
    np.testing.assert_allclose(grey, 51 / 127.5 - 1, atol=1e-6)         # grey becomes three equal channels


def test_transparent_pixels_are_laid_over_black(tmp_path):
    rgba = np.zeros((16, 16, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[:, 8:, 3] = 255                       # left half fully transparent white, right half opaque white
    save(tmp_path / "f" / "half.png", rgba)
    (img,) = load_images(tmp_path / "f", image_size=16, cache=False, log=quiet).images
    np.testing.assert_allclose(img[:, :, :7], -1, atol=1e-6)
    np.testing.assert_allclose(img[:, :, 9:], 1, atol=1e-6)


def test_sixteen_bit_grey_is_scaled_to_eight_bits(tmp_path):
    save(tmp_path / "f" / "a.png", np.full((8, 8), 65535, np.uint16))
    save(tmp_path / "f" / "b.png", np.full((8, 8), 32896, np.uint16))    # 128 * 257
    data = load_images(tmp_path / "f", image_size=8, cache=False, log=quiet)
    assert data.images.shape == (2, 1, 8, 8)
    np.testing.assert_allclose(data.images[0], 1.0, atol=1e-5)
    np.testing.assert_allclose(data.images[1], 128 / 127.5 - 1, atol=1e-5)


def test_a_large_jpeg_decoded_at_reduced_scale_matches_its_png_twin(tmp_path):
    """JPEG's draft mode decodes this 2000 x 1500 picture at 1/8 scale; the result at 32x32 must
    still be the picture: within two grey levels of the same picture decoded in full from a PNG."""
    y, x = np.mgrid[0:1500, 0:2000]
    picture = np.stack([x / 2000 * 255, y / 1500 * 255, (x + y) / 3500 * 255], axis=-1).astype(np.uint8)
    save(tmp_path / "jpeg" / "a.jpg", picture, quality=95)
    save(tmp_path / "png" / "a.png", picture)
    from_jpeg = load_images(tmp_path / "jpeg", image_size=32, cache=False, log=quiet).images
    from_png = load_images(tmp_path / "png", image_size=32, cache=False, log=quiet).images
    assert np.abs(from_jpeg - from_png).max() * 127.5 <= 3


def test_exif_rotation_is_applied(tmp_path):
    picture = np.zeros((20, 40), np.uint8)
    picture[:10] = 255                         # white on top, black below
    exif = Image.Exif()
    exif[0x0112] = 6                           # "rotate 90 degrees clockwise to display"
    save(tmp_path / "f" / "turned.jpg", picture, exif=exif, quality=95)
    (img,) = load_images(tmp_path / "f", image_size=8, cache=False, log=quiet).images
    assert img[0, :, :3].mean() < -0.8 and img[0, :, -3:].mean() > 0.8   # the top is now on the right


def test_channels_default_from_the_images_and_can_be_forced(tmp_path):
    grey = tmp_path / "grey"
    save(grey / "a.png", np.full((10, 10), 200, np.uint8))
    Image.fromarray(np.full((10, 10), 90, np.uint8)).convert("P").save(grey / "b.gif")   # a grey palette
    assert load_images(grey, image_size=8, cache=False, log=quiet).images.shape == (2, 1, 8, 8)
    colour = save(grey / "c.png", np.full((10, 10, 3), (200, 10, 10), np.uint8))
    assert load_images(grey, image_size=8, cache=False, log=quiet).images.shape == (3, 3, 8, 8)
    forced = load_images(grey, image_size=8, channels=1, cache=False, log=quiet).images
    expected = (0.299 * 200 + 0.587 * 10 + 0.114 * 10) / 127.5 - 1          # ITU-R 601-2 luma
    np.testing.assert_allclose(forced[2], expected, atol=0.01)
    colour.unlink()
    both = load_images(grey, image_size=8, channels=3, cache=False, log=quiet).images
    assert both.shape == (2, 3, 8, 8) and np.all(both[:, 0] == both[:, 2])


def test_images_at_the_top_level_give_no_labels(tmp_path):
    save(tmp_path / "f" / "a.png", np.zeros((8, 8), np.uint8))
    save(tmp_path / "f" / "sub" / "b.png", np.zeros((8, 8), np.uint8))
    data = load_images(tmp_path / "f", image_size=8, cache=False, log=quiet)
    assert data.labels is None and data.classes == ()


@pytest.mark.parametrize("case", ["missing", "empty", "non-images", "all unreadable", "plain file"])
def test_unusable_paths_give_one_line(tmp_path, case):
    path = tmp_path / "f"
    if case == "empty":
        path.mkdir()
    elif case == "non-images":
        path.mkdir()
        (path / "a.txt").write_text("hello")
        (path / "b.csv").write_text("1,2,3")
    elif case == "all unreadable":
        path.mkdir()
        (path / "a.png").write_bytes(b"\x89PNG broken")
        (path / "b.jpg").write_bytes(b"")
    elif case == "plain file":
        path = tmp_path / "notes.txt"
        path.write_text("hello")
    with pytest.raises(DataError) as err:
        load_images(path, image_size=8, log=quiet)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    assert {"missing": "no such file", "empty": "no files", "non-images": "none of its 2 files is an image",
            "all unreadable": "none of its 2 image files could be read",
            "plain file": "expected a folder"}[case] in message


@pytest.mark.parametrize("size", [(100_000, 100_000), (9_000, 9_000)])
def test_a_decompression_bomb_is_refused_before_decoding(tmp_path, size):
    """100000^2 trips Pillow's own limit; 9000^2 (81 million pixels) is under Pillow's but over minigan's."""
    save(tmp_path / "f" / "fine.png", np.zeros((8, 8), np.uint8))
    (tmp_path / "f" / "bomb.png").write_bytes(png_declaring(*size))
    with pytest.raises(DataError, match="decompression bomb") as err:
        load_images(tmp_path / "f", image_size=8, log=quiet)
    assert "\n" not in str(err.value) and "bomb.png" in str(err.value)


BOMB_PROBE = textwrap.dedent("""
    import sys
    from minigan.data import DataError, load_images
    try:
        load_images(sys.argv[1], image_size=8, log=lambda m: None)
    except DataError as err:
        print("refused:", err)
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    print(int(line.split()[1]) / 1024)
""")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's /proc to read peak memory")
def test_a_bomb_costs_little_memory(tmp_path):
    """A 9000 x 9000 PNG would decode to 232 MiB; refused from its header, the whole process stays small."""
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "bomb.png").write_bytes(png_declaring(9_000, 9_000))
    out = subprocess.run([sys.executable, "-c", BOMB_PROBE, str(tmp_path / "f")],
                         capture_output=True, text=True, check=True)
    refusal, peak_mib = out.stdout.splitlines()
    assert refusal.startswith("refused:") and "decompression bomb" in refusal
    assert float(peak_mib) < 150, f"peak resident memory {peak_mib} MiB"


@pytest.mark.parametrize("kwargs", [dict(image_size=3), dict(image_size=2048), dict(image_size=32.5),
                                    dict(image_size="32"), dict(channels=2), dict(channels=4)])
def test_bad_options_are_refused(tmp_path, kwargs):
    save(tmp_path / "f" / "a.png", np.zeros((8, 8), np.uint8))
    with pytest.raises(DataError, match="image size|channels"):
        load_images(tmp_path / "f", log=quiet, **kwargs)


def test_the_cache_is_written_once_and_reused(mixed, monkeypatch):
    first = load_images(mixed, image_size=16, log=quiet)
    assert not first.from_cache and first.cache_path.is_file()
    assert first.cache_path.parent == Path(os.environ["XDG_CACHE_HOME"]) / "minigan" / "folders"
    meta = json.loads(first.cache_path.with_suffix(".json").read_text())
    assert meta["count"] == 6 and meta["classes"] == ["cats", "dogs"] and meta["skipped"] == 2

    decoded = []
    real_decode = folder_mod.decode
    monkeypatch.setattr(folder_mod, "decode", lambda *args: decoded.append(args) or real_decode(*args))
    logged = []
    second = load_images(mixed, image_size=16, log=logged.append)
    assert second.from_cache and second.cache_path == first.cache_path
    np.testing.assert_array_equal(second.images, first.images)
    np.testing.assert_array_equal(second.labels, first.labels)
    assert second.skipped == 2 and any("decoded earlier" in line for line in logged)
    assert decoded == []                                 # read back, not decoded again
    load_images(mixed, image_size=8, log=quiet)          # other options: another entry, decoded
    assert len(decoded) == 7


def test_a_changed_folder_is_decoded_again_and_the_old_entry_removed(mixed):
    first = load_images(mixed, image_size=16, log=quiet)
    save(mixed / "dogs" / "new.png", np.zeros((9, 9, 3), np.uint8))
    second = load_images(mixed, image_size=16, log=quiet)
    assert not second.from_cache and len(second.images) == 7
    assert not first.cache_path.exists()
    assert sorted(p.name for p in second.cache_path.parent.iterdir()) == sorted(
        [second.cache_path.name, second.cache_path.stem + "-labels.npy", second.cache_path.stem + ".json"])


def test_cache_beside_a_run_and_no_cache(mixed, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    data = load_images(mixed, image_size=16, cache_dir=run, log=quiet)
    assert data.cache_path.parent == run
    assert load_images(mixed, image_size=16, cache_dir=run, log=quiet).from_cache
    with pytest.raises(DataError, match="does not exist"):
        load_images(mixed, image_size=16, cache_dir=tmp_path / "nowhere", log=quiet)
    assert not (tmp_path / "nowhere").exists()
    uncached = load_folder(mixed, image_size=12, cache=False, log=quiet)
    assert uncached.cache_path is None
    assert not list((Path(os.environ["XDG_CACHE_HOME"]) / "minigan" / "folders").glob("*12*"))
    assert not list(run.glob(".*.part"))


def test_a_damaged_cache_is_rebuilt(mixed):
    first = load_images(mixed, image_size=16, log=quiet)
    first.cache_path.write_bytes(first.cache_path.read_bytes()[:200])
    logged = []
    again = load_images(mixed, image_size=16, log=logged.append)
    assert not again.from_cache and any("unusable" in line for line in logged)
    np.testing.assert_array_equal(again.images, first.images)
    assert load_images(mixed, image_size=16, log=quiet).from_cache


MEMORY_PROBE = textwrap.dedent("""
    import sys
    from minigan.data.folder import load_folder

    def peak_mib():   # VmHWM: this process's peak resident memory (ru_maxrss would include the parent's)
        line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    load_folder(sys.argv[1], image_size=32, cache=False, log=lambda m: None)     # warm up the decoders
    before = peak_mib()
    data = load_folder(sys.argv[2], image_size=32, cache=False, log=lambda m: None)
    print(len(data.images), peak_mib() - before)
""")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's /proc to read peak memory")
def test_large_images_are_decoded_one_at_a_time(tmp_path):
    """Six 2400 x 1800 colour PNGs decode to 12.4 MiB each (74 MiB together); loading them at 32x32
    must raise the peak memory by about one of them, not all."""
    gradient = np.linspace(0, 255, 2400, dtype=np.float32)[None, :, None] * np.ones((1800, 1, 3), np.float32)
    for i in range(6):
        save(tmp_path / "big" / f"{i}.png", ((gradient + 20 * i) % 256).astype(np.uint8), compress_level=1)
    save(tmp_path / "small" / "a.png", np.zeros((40, 40, 3), np.uint8))
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(tmp_path / "small"), str(tmp_path / "big")],
                         capture_output=True, text=True, check=True)
    count, peak_mib = out.stdout.split()
    one_image_mib = 2400 * 1800 * 3 / 2**20
    assert int(count) == 6
    assert float(peak_mib) < 2.5 * one_image_mib, f"peak rose by {peak_mib} MiB"
