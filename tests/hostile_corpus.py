"""A corpus of hostile files, generated (never committed): checkpoints, IDX/gzip files, .npy arrays
and pictures that are truncated, random, bombs, or lie in their headers. Each case is the file and
the minigan command line that reads it; every one must end in one line on stderr and exit 2.

Used by test_hostile_files.py; kept apart so that the cases read as a list.
"""
import gzip
import io
import json
import os
import struct
import zipfile
import zlib

import numpy as np

from minigan import checkpoint

BOMB_BYTES = 320 * 2**20     # what the bombs inflate to: more than the 300 MB a command may use


# -- checkpoints ------------------------------------------------------------------------------------
def set_field(header, where, value):
    """A copy of ``header`` with the dotted field ``where`` set to ``value`` (or deleted, for DELETE)."""
    header = json.loads(json.dumps(header))
    *parents, last = where.split(".")
    node = header
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return header


DELETE = object()
HEADER_CASES = [   # (field, bad value): wrong types, out of range, unknown keys, missing keys
    ("step", "3"), ("step", -1), ("step", 10**12), ("step", True), ("step", 1.5), ("total_steps", -1),
    ("version", "1"), ("version", 99), ("format", "pickle"), ("config", []), ("config.preset", "nope"),
    ("config.preset", 5), ("config.seed", -1), ("config.seed", "0"), ("config.backend", "tpu"),
    ("config.data_dir", 7), ("config.overrides", "x"), ("config.overrides.batch_size", 10**9),
    ("config.overrides.z_dim", 10**9), ("config.overrides.lr", "abc"), ("config.overrides.objective", "evil"),
    ("config.overrides.pack", 0), ("config.overrides.ema", 1.5), ("config.overrides.steps", "many"),
    ("config.overrides.dataset", "/etc/passwd"), ("rng", {}), ("rng.state.state", -5),
    ("rng.bit_generator", "MT19937"), ("stream", []), ("stream", {"epoch": 0}), ("optimizers.G.type", "Evil"),
    ("optimizers.G.hyper.__class__", 1), ("optimizers.G.hyper.lr", -1), ("optimizers.G.hyper.betas", [0.5]),
    ("optimizers.D.t", -1), ("optimizers.D", None), ("diagnostics.d_wins_streak", "x"), ("ema", 3),
    ("evil", 1), ("rng", DELETE), ("config.seed", DELETE),
]


def npy_bytes(array=None, header=None, data=b""):
    """An .npy file: a real array's, or a hand-made header (a dict, or raw text) and raw data."""
    f = io.BytesIO()
    if array is not None:
        np.save(f, array, allow_pickle=True)
        return f.getvalue()
    if isinstance(header, dict):
        np.lib.format.write_array_header_1_0(f, header)
    else:
        text = header.encode() + b" " * (63 - (len(header) + 10) % 64) + b"\n"
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text)
    return f.getvalue() + data


def zip_of(path, members, compress=True):
    """Write a zip archive of name -> bytes (or -> a callable that writes into an open member)."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            if callable(data):
                with zf.open(name, "w", force_zip64=True) as member:
                    data(member)
            else:
                zf.writestr(name, data)
    return path


def write_zeros(member, header, n=BOMB_BYTES):
    member.write(header)
    chunk = bytes(2**20)
    for _ in range(n // len(chunk)):
        member.write(chunk)


def good_members(arrays, header):
    members = {f"{k}.npy": npy_bytes(v) for k, v in arrays.items()}
    members["__header__.npy"] = npy_bytes(np.frombuffer(json.dumps(header).encode(), np.uint8))
    return members


def checkpoint_files(root, arrays, header):
    """{name: path} of hostile checkpoints, built from a good run's ``arrays`` and ``header``."""
    files = {}
    for i, (where, value) in enumerate(HEADER_CASES):
        path = root / f"header{i:02d}.npz"
        checkpoint.save(path, arrays, set_field(header, where, value))   # the header's format, version win
        files[f"header {where}={str(value)[:20]}"] = path
    raw = (root / "header00.npz").read_bytes()
    good = good_members(arrays, header)
    weight = next(k for k in arrays if k.startswith("G/"))

    def member_bomb(member):
        write_zeros(member, npy_bytes(header={"descr": "<f4", "fortran_order": False, "shape": (BOMB_BYTES // 4,)}))

    def header_bomb(member):
        write_zeros(member, npy_bytes(header={"descr": "|u1", "fortran_order": False, "shape": (BOMB_BYTES,)}))
    built = {
        "truncated half": raw[:len(raw) // 2], "truncated 100 bytes": raw[:100], "empty": b"",
        "random bytes": np.random.default_rng(0).bytes(4096), "text": b"hello, I am a checkpoint\n" * 20,
        "an .npy, not an .npz": npy_bytes(np.zeros(3)),
    }
    for name, data in built.items():
        files[name] = root / f"{name.replace(' ', '_').replace(',', '')}.npz"
        files[name].write_bytes(data)
    zips = {
        "no header": {k: v for k, v in good.items() if k != "__header__.npy"},
        "header of floats": {**good, "__header__.npy": npy_bytes(np.zeros(4))},
        "header not JSON": {**good, "__header__.npy": npy_bytes(np.frombuffer(b"{not json", np.uint8))},
        "header a JSON list": {**good, "__header__.npy": npy_bytes(np.frombuffer(b"[1, 2]", np.uint8))},
        "header nested 100000 deep": {**good, "__header__.npy": npy_bytes(
            np.frombuffer(b"[" * 100000 + b"]" * 100000, np.uint8))},
        "header zip bomb": {**good, "__header__.npy": header_bomb},
        "weights zip bomb": {**good, f"{weight}.npy": member_bomb},
        "weights declare 2**40 floats": {**good, f"{weight}.npy": npy_bytes(
            header={"descr": "<f4", "fortran_order": False, "shape": (2**40,)})},
        "weights declare more than they hold": {**good, f"{weight}.npy": npy_bytes(
            header={"descr": "<f4", "fortran_order": False, "shape": (10**7,)}, data=bytes(400))},
        "object array (pickle)": {**good, f"{weight}.npy": npy_bytes(np.array([{"a": 1}, None], dtype=object))},
        "structured dtype": {**good, f"{weight}.npy": npy_bytes(np.zeros(3, dtype=[("a", "<f4"), ("b", "<i4")]))},
        "complex weights": {**good, f"{weight}.npy": npy_bytes(np.zeros(arrays[weight].shape, np.complex64))},
        "npy header with code": {**good, f"{weight}.npy": npy_bytes(
            header="{'descr': __import__('os').system('touch pwned'), 'fortran_order': False, 'shape': (3,)}")},
        "a path as member name": {**good, "../../evil.txt": b"x"},
        "5000 members": {**good, **{f"x{i}.npy": npy_bytes(np.zeros(1)) for i in range(5000)}},
        "NaN weights": {**good, f"{weight}.npy": npy_bytes(np.full(arrays[weight].shape, np.nan, np.float32))},
        "weights of the wrong shape": {**good, f"{weight}.npy": npy_bytes(np.zeros((3, 3), np.float32))},
        "weights missing": {k: v for k, v in good.items() if k != f"{weight}.npy"},
    }
    for name, members in zips.items():
        files[name] = zip_of(root / f"{name.replace(' ', '_').replace('*', '')}.npz", members)
    return files


# -- IDX and gzip -----------------------------------------------------------------------------------
def idx_header(code, shape):
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def gzip_stream(path, header, payload_bytes, tail=b""):
    """A gzip file of ``header`` followed by ``payload_bytes`` zero bytes, compressed as it is written."""
    with gzip.open(path, "wb", compresslevel=6) as f:
        f.write(header)
        chunk = bytes(2**20)
        for start in range(0, payload_bytes, len(chunk)):
            f.write(chunk[:min(len(chunk), payload_bytes - start)])
        f.write(tail)


def idx_folders(root):
    """{name: folder} of MNIST folders whose images (or labels) file is hostile."""
    good_labels = gzip.compress(idx_header(0x08, (10,)) + bytes(10))
    good_images = gzip.compress(idx_header(0x08, (10, 28, 28)) + bytes(7840))
    cases = {
        "gzip bomb claiming 320 MB": lambda p: gzip_stream(p, idx_header(0x08, (BOMB_BYTES // 784, 28, 28)),
                                                          BOMB_BYTES),
        "gzip hiding 320 MB after the payload": lambda p: gzip_stream(p, idx_header(0x08, (10, 28, 28)),
                                                                     7840 + BOMB_BYTES),
        "huge declared shape, raw": lambda p: p.write_bytes(idx_header(0x08, (2**32 - 1, 28, 28)) + bytes(100)),
        "huge declared shape, gzip": lambda p: p.write_bytes(gzip.compress(idx_header(0x0E, (2**31, 2**31, 28)))),
        "truncated gzip": lambda p: p.write_bytes(good_images[:len(good_images) // 2]),
        "random bytes after the gzip magic": lambda p: p.write_bytes(b"\x1f\x8b" + bytes(range(256)) * 4),
        "random bytes": lambda p: p.write_bytes(np.random.default_rng(1).bytes(3000)),
        "bad magic": lambda p: p.write_bytes(b"\x01\x02\x08\x03" + bytes(100)),
        "unknown type code": lambda p: p.write_bytes(idx_header(0x07, (10, 28, 28)) + bytes(7840)),
        "zero dimensions": lambda p: p.write_bytes(bytes([0, 0, 8, 0])),
        "header truncated": lambda p: p.write_bytes(idx_header(0x08, (10, 28, 28))[:9]),
        "images of 27x27": lambda p: p.write_bytes(gzip.compress(idx_header(0x08, (10, 27, 27)) + bytes(7290))),
        "float images": lambda p: p.write_bytes(gzip.compress(idx_header(0x0D, (10, 28, 28)) + bytes(4 * 7840))),
        "empty file": lambda p: p.write_bytes(b""),
    }
    folders = {}
    for i, (name, make) in enumerate(cases.items()):
        folder = root / f"idx{i:02d}"
        folder.mkdir()
        make(folder / "train-images-idx3-ubyte.gz")
        (folder / "train-labels-idx1-ubyte.gz").write_bytes(good_labels)
        folders[f"IDX images: {name}"] = folder
    for i, (name, labels) in enumerate({
            "labels count mismatch": idx_header(0x08, (9,)) + bytes(9),
            "label 200": idx_header(0x08, (10,)) + bytes([200] * 10),
            "labels 2-D": idx_header(0x08, (5, 2)) + bytes(10)}.items()):
        folder = root / f"labels{i:02d}"
        folder.mkdir()
        (folder / "train-images-idx3-ubyte.gz").write_bytes(good_images)
        (folder / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels))
        folders[f"IDX labels: {name}"] = folder
    return folders


# -- .npy arrays and pictures for inpaint ----------------------------------------------------------------
def png_bytes(width, height, rows=1):
    """A grey PNG declaring width x height whose data holds only ``rows`` rows (the rest is missing)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"".join(b"\0" + bytes(width) for _ in range(rows)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def image_files(root):
    """{name: (image path, mask path)} of hostile inputs for ``minigan inpaint``."""
    good_mask = root / "mask.npy"
    np.save(good_mask, np.eye(28, dtype=np.float32))
    good_image = root / "image.npy"
    np.save(good_image, np.zeros((28, 28), np.float32))
    f4 = {"descr": "<f4", "fortran_order": False}
    npys = {
        "npy declaring 10**11 floats": npy_bytes(header={**f4, "shape": (100000, 1, 1000, 1000)}, data=bytes(64)),
        "npy declaring 2**62 floats": npy_bytes(header={**f4, "shape": (2**31, 2**31)}),
        "npy object array (pickle)": npy_bytes(np.array([None, {"x": 1}], dtype=object)),
        "npy structured dtype": npy_bytes(np.zeros((28, 28), dtype=[("a", "<f4")])),
        "npy truncated data": npy_bytes(np.zeros((28, 28), np.float32))[:500],
        "npy random bytes": np.random.default_rng(2).bytes(2000),
        "npy bad version": b"\x93NUMPY\x09\x00" + bytes(100),
        "npy header with code": npy_bytes(header="{'descr': __import__('os').getcwd(), 'fortran_order': False, "
                                                  "'shape': (3,)}"),
        "npy NaN pixels": npy_bytes(np.full((28, 28), np.nan, np.float32)),
        "npy pixels of 300": npy_bytes(np.full((28, 28), 300, np.int16)),
        "npy of 5 dimensions": npy_bytes(np.zeros((1, 1, 1, 28, 28), np.float32)),
        "npy of strings": npy_bytes(np.array(["a", "b"])),
    }
    pictures = {
        "png declaring 30000 x 30000": png_bytes(30000, 30000),
        "png declaring 5000 x 5000, 1 row": png_bytes(5000, 5000),
        "png truncated": png_bytes(28, 28, rows=28)[:60],
        "png random bytes": np.random.default_rng(3).bytes(1000),
        "png that is text": b"<svg>not a png</svg>",
        "png empty": b"",
    }
    files = {}
    for i, (name, data) in enumerate({**npys, **pictures}.items()):
        path = root / f"input{i:02d}{'.npy' if name.startswith('npy') else '.png'}"
        path.write_bytes(data)
        files[f"inpaint --image: {name}"] = (path, good_mask)
    for i, (name, data) in enumerate({"mask object array": npys["npy object array (pickle)"],
                                      "mask declaring 10**11 floats": npys["npy declaring 10**11 floats"],
                                      "mask of 7s": npy_bytes(np.full((28, 28), 7, np.int8))}.items()):
        path = root / f"mask{i:02d}.npy"
        path.write_bytes(data)
        files[f"inpaint --mask: {name}"] = (good_image, path)
    return files
