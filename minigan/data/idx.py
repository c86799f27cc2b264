"""Read and write IDX files, the simple binary format MNIST is distributed in.

An IDX file is a header followed by the raw numbers, all big-endian:

    bytes 0-1   zero
    byte  2     type code: 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double
    byte  3     number of dimensions, D
    then        D sizes, each a 4-byte unsigned int
    then        prod(sizes) numbers of the given type, last dimension changing fastest

Files are often gzipped. We check every part of the header and that the payload has
exactly the right length, because a half-downloaded file should fail loudly here and
not as a strange training curve later.
"""
import gzip as _gzip
import math
import os
import zlib

import numpy as np

# type code -> big-endian NumPy dtype
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_OF = {dt.newbyteorder("="): code for code, dt in IDX_TYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """A file that is not a valid IDX file; the message names the file and the problem."""


# A gzipped IDX file may inflate to at most MAX_GZIP_RATIO times its size (MNIST's inflate about
# fivefold; a gzip bomb a thousandfold) beyond a first SMALL_BYTES, and never beyond MAX_BYTES.
MAX_GZIP_RATIO = 100
SMALL_BYTES = 64 * 2**20
MAX_BYTES = 2 * 2**30
TRAILING_SHOWN = 2**16


def _open(path):
    """(stream, size limit): the file, or its gzip stream, inflated only as far as it is read."""
    f = open(path, "rb")
    size = os.fstat(f.fileno()).st_size
    # Trust the content, not the name: a file called *.gz may have been unpacked already,
    # and a gzipped file may have lost its suffix.
    if f.read(2) != _GZIP_MAGIC:
        f.seek(0)
        return f, size
    f.seek(0)
    return _gzip.GzipFile(fileobj=f, mode="rb"), min(MAX_BYTES, max(SMALL_BYTES, MAX_GZIP_RATIO * size))


def _read_exactly(stream, n, path):
    try:
        return stream.read(n)
    except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError
        raise IDXError(f"{path}: corrupt gzip data ({err})") from None


def read_idx(path):
    """The array stored in the IDX file at ``path`` (gzipped or raw), in native byte order.

    The header is read first; the payload is then read (and inflated) no further than the size
    it declares, so a small file that claims or hides gigabytes is refused with bounded memory."""
    try:
        stream, limit = _open(path)
    except PermissionError:
        raise IDXError(f"{path}: permission denied") from None
    with stream:
        magic = _read_exactly(stream, 4, path)
        shape, dtype = _check_magic(path, magic, stream)
        expected = math.prod(shape) * dtype.itemsize   # Python ints: no overflow
        if expected > limit:
            raise IDXError(f"{path}: declares shape {shape} of {dtype.name} = {expected} bytes, more than this "
                           f"file may hold ({limit}); refused")
        data = _read_exactly(stream, expected, path)
        extra = len(_read_exactly(stream, TRAILING_SHOWN, path))   # read a little further, never all of it
    if len(data) < expected:
        raise IDXError(f"{path}: truncated payload: shape {shape} of {dtype.name} needs {expected} bytes "
                       f"after the header, found only {len(data)}")
    if extra:
        count = f"{extra}" if extra < TRAILING_SHOWN else f"at least {extra}"
        raise IDXError(f"{path}: {count} trailing bytes after the payload "
                       f"(shape {shape} of {dtype.name} needs exactly {expected})")
    array = np.frombuffer(data, dtype=dtype).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


def _check_magic(path, data, stream):
    """(shape, dtype) from the magic number ``data`` and the dimension sizes that follow it."""
    if len(data) < 4:
        raise IDXError(f"{path}: only {len(data)} bytes, too short for the 4-byte IDX magic number")
    zero, code, ndim = data[:2], data[2], data[3]
    if zero != b"\x00\x00":
        raise IDXError(f"{path}: bad magic number 0x{data[:4].hex()}: an IDX file starts with two zero bytes")
    if code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_TYPES)
        raise IDXError(f"{path}: unknown type code 0x{code:02X} in the magic number (known: {known})")
    if ndim == 0:
        raise IDXError(f"{path}: the magic number says 0 dimensions; expected at least 1")
    sizes = _read_exactly(stream, 4 * ndim, path)
    if len(sizes) < 4 * ndim:
        raise IDXError(f"{path}: header truncated: {ndim} dimension sizes need {4 + 4 * ndim} bytes, "
                       f"file has {4 + len(sizes)}")
    return tuple(int(s) for s in np.frombuffer(sizes, dtype=">u4")), IDX_TYPES[code]


def write_idx(path, array, gzip=True):
    """Write ``array`` to ``path`` as an IDX file, gzipped unless ``gzip=False``.

    Supported dtypes: uint8, int8, int16, int32, float32, float64 (cast others first).
    """
    array = np.asarray(array)
    code = _CODE_OF.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"write_idx({path}): dtype {array.dtype} has no IDX type code; "
                         "cast to uint8, int8, int16, int32, float32 or float64")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"write_idx({path}): IDX holds 1 to 255 dimensions, got {array.ndim}")
    if any(s >= 2**32 for s in array.shape):
        raise ValueError(f"write_idx({path}): dimension sizes must fit in 32 bits, got {array.shape}")
    body = (bytes([0, 0, code, array.ndim])
            + np.asarray(array.shape, dtype=">u4").tobytes()
            + np.ascontiguousarray(array, dtype=IDX_TYPES[code]).tobytes())
    if gzip:
        body = _gzip.compress(body, mtime=0)  # mtime=0: the same array always gives the same bytes
    with open(os.fspath(path), "wb") as f:
        f.write(body)
