"""Training images from .npy / .npz arrays: layouts, values, labels, and hostile files.

Every file is written by the test; the hostile ones are built byte by byte.
"""
import os
import struct
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

from minigan.data import DataError, load_images
from minigan.data import arrays


def quiet(_message):
    pass


def npy_bytes(shape, descr="<f4", body=b"", fortran=False):
    """A version 1.0 .npy header declaring ``shape`` and ``descr``, followed by ``body``."""
    header = repr({"descr": descr, "fortran_order": fortran, "shape": tuple(shape)}).encode()
    header += b" " * ((-(10 + len(header) + 1)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + body


def one_line(err):
    message = str(err.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("layout", ["NHW", "NCHW-grey", "NCHW", "NHWC"])
def test_layouts_and_uint8_values(tmp_path, layout):
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (5, 3, 6, 6), dtype=np.uint8)
    stored = {"NHW": pixels[:, 0], "NCHW-grey": pixels[:, :1], "NCHW": pixels,
              "NHWC": pixels.transpose(0, 2, 3, 1)}[layout]
    np.save(tmp_path / "a.npy", stored)
    images = load_images(tmp_path / "a.npy", log=quiet).images
    expected = pixels[:, :1] if layout in ("NHW", "NCHW-grey") else pixels
    assert images.dtype == np.float32
    np.testing.assert_allclose(images, expected / 127.5 - 1, atol=1e-6)


def test_float_images_fortran_order_and_big_endian(tmp_path):
    x = np.random.default_rng(2).uniform(-1, 1, (4, 3, 5, 5))
    np.save(tmp_path / "f.npy", np.asfortranarray(x.astype(">f8")))
    np.testing.assert_allclose(load_images(tmp_path / "f.npy", log=quiet).images, x, atol=1e-6)


def test_npz_with_labels_and_a_single_unnamed_array(tmp_path):
    x = np.zeros((6, 8, 8), np.uint8)
    np.savez_compressed(tmp_path / "l.npz", images=x, labels=np.array([0, 2, 1, 2, 0, 1]))
    data = load_images(tmp_path / "l.npz", log=quiet)
    np.testing.assert_array_equal(data.labels, [0, 2, 1, 2, 0, 1])
    assert data.classes == ("0", "1", "2") and data.images.shape == (6, 1, 8, 8)
    np.savez(tmp_path / "u.npz", x)                       # stored as arr_0
    assert load_images(tmp_path / "u.npz", log=quiet).labels is None
    np.savez(tmp_path / "two.npz", a=x, b=x)
    with pytest.raises(DataError, match="'images'") as err:
        load_images(tmp_path / "two.npz", log=quiet)
    one_line(err)
    np.savez(tmp_path / "badlabels.npz", images=x, labels=np.zeros(5, int))
    with pytest.raises(DataError, match="6 integer labels"):
        load_images(tmp_path / "badlabels.npz", log=quiet)


def test_resizing_cropping_and_channel_conversion(tmp_path):
    x = np.zeros((3, 3, 10, 30), np.float32)
    x[:, 1, :, 10:20] = 1.0                              # the centre square holds green only
    x[:, 1, :, :10] = x[:, 1, :, 20:] = -1.0
    x[:, 0] = x[:, 2] = -1.0
    np.save(tmp_path / "wide.npy", x)
    images = load_images(tmp_path / "wide.npy", image_size=5, log=quiet).images
    assert images.shape == (3, 3, 5, 5)
    np.testing.assert_allclose(images[:, 1, :, 1:-1], 1.0, atol=0.03)   # Lanczos reads a little past the box
    np.testing.assert_allclose(images[:, 0], -1.0, atol=1e-4)
    grey = load_images(tmp_path / "wide.npy", channels=1, log=quiet).images
    assert grey.shape == (3, 1, 10, 10)                 # no size given: the shorter side, centre square
    np.testing.assert_allclose(grey, 0.299 * -1 + 0.587 * 1 + 0.114 * -1, atol=1e-5)


@pytest.mark.parametrize("case,count", [("nan-inf-big", 9), ("ints", 2)])
def test_bad_values_are_refused_with_their_count(tmp_path, case, count):
    if case == "ints":
        x = np.zeros((4, 6, 6), np.int16)
        x[0, 0, 0], x[3, 5, 5] = -1, 300
    else:
        x = np.zeros((600, 1, 4, 4), np.float32)      # more than one chunk of CHUNK images
        x[0, 0, 0, :3] = np.nan
        x[599, 0, 0, :2] = [np.inf, -np.inf]
        x[300, 0, 1, :4] = 2.0
    np.save(tmp_path / "bad.npy", x)
    with pytest.raises(DataError) as err:
        load_images(tmp_path / "bad.npy", log=quiet)
    assert f"{count} of {x.size} values are not valid pixels" in one_line(err)


def test_floats_in_zero_one_get_a_hint(tmp_path):
    np.save(tmp_path / "p.npy", np.random.default_rng(0).uniform(0, 1, (3, 4, 4)).astype(np.float32))
    logged = []
    load_images(tmp_path / "p.npy", log=logged.append)
    assert any("2 * x - 1" in line for line in logged)


def hostile_files(tmp_path):
    """{name: path} of array files that must each be refused with one line."""
    files = {}

    def put(name, data):
        files[name] = tmp_path / name
        files[name].write_bytes(data)
    put("huge.npy", npy_bytes((10**6, 10**6, 10**6)))
    put("overflow.npy", npy_bytes((2**63, 2**63, 3)))                   # wraps around in int64
    put("lying.npy", npy_bytes((2**20, 64, 64), "|u1", b"\0" * 4096))    # 4 GiB declared, 4 KiB held
    put("object.npy", npy_bytes((3,), "|O", b"\0" * 24))
    put("bool.npy", npy_bytes((2, 4, 4), "|b1", b"\0" * 32))
    put("complex.npy", npy_bytes((2, 4, 4), "<c8", b"\0" * 256))
    put("structured.npy", npy_bytes((2, 4, 4), [("a", "<f4")], b"\0" * 128))
    put("negative.npy", npy_bytes((-5, 4, 4), "|u1"))
    put("random.npy", os.urandom(300))
    put("random.npz", os.urandom(300))
    put("empty.npy", npy_bytes((0, 28, 28), "|u1"))
    put("layout.npy", npy_bytes((2, 5, 7, 9), "|u1", b"\0" * 630))
    put("vector.npy", npy_bytes((100,), "|u1", b"\0" * 100))
    with zipfile.ZipFile(tmp_path / "object.npz", "w") as zf:
        zf.writestr("images.npy", npy_bytes((3,), "|O", b"\0" * 24))
    with zipfile.ZipFile(tmp_path / "short.npz", "w") as zf:
        zf.writestr("images.npy", npy_bytes((100, 28, 28), "|u1", b"\0" * 1000))
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("images.npy", "w", force_zip64=True) as member:      # ~100 KB holding 100 MB of zeros
            member.write(npy_bytes((100 * 2**20 // 784, 28, 28), "|u1"))
            for _ in range(100):
                member.write(b"\0" * 2**20)
    files.update({n: tmp_path / n for n in ("object.npz", "short.npz", "bomb.npz")})
    return files


EXPECTED = {"huge.npy": "limit", "overflow.npy": "limit", "lying.npy": "holds only", "object.npy": "objects",
            "bool.npy": "not a plain", "complex.npy": "not a plain", "structured.npy": "not a plain",
            "negative.npy": "invalid shape", "random.npy": "not a readable", "random.npz": "not a readable .npz",
            "empty.npy": "holds no images", "layout.npy": "expected images shaped",
            "vector.npy": "expected images shaped", "object.npz": "objects", "short.npz": "holds only",
            "bomb.npz": "zip bomb"}


def test_hostile_array_files_are_refused_with_one_line(tmp_path):
    files = hostile_files(tmp_path)
    assert set(files) == set(EXPECTED)
    for name, path in files.items():
        with pytest.raises(DataError) as err:
            load_images(path, log=quiet)
        message = one_line(err)
        assert EXPECTED[name] in message and str(path) in message, (name, message)


MEMORY_PROBE = textwrap.dedent("""
    import sys
    from minigan.data import DataError, load_images
    refused = 0
    for path in sys.argv[1:]:
        try:
            load_images(path, log=lambda m: None)
        except DataError:
            refused += 1
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    print(refused, int(line.split()[1]) / 1024)
""")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's /proc to read peak memory")
def test_hostile_array_files_cost_little_memory(tmp_path):
    files = hostile_files(tmp_path)
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, *map(str, files.values())],
                         capture_output=True, text=True, check=True)
    refused, peak_mib = out.stdout.split()
    assert int(refused) == len(files)
    assert float(peak_mib) < 300, f"peak resident memory {peak_mib} MiB"


def test_the_declared_size_is_checked_with_unbounded_integers():
    with pytest.raises(DataError, match="limit"):
        arrays.declared_bytes("x.npy", (2**32, 2**32), np.dtype(np.float32), available=10)
    assert arrays.declared_bytes("x.npy", (2, 3), np.dtype(np.float64), available=48) == 48
