"""Philox4x32-10, a counter-based random number generator (Salmon et al. 2011, "Parallel random
numbers: as easy as 1, 2, 3").

An ordinary generator (NumPy's PCG64, the Mersenne Twister) carries a state from one number to the
next, so the n-th number needs the n-1 before it. A counter-based generator is a pure function:
``bits = philox(counter, key)`` scrambles a 128-bit counter under a 64-bit key, and every counter
gives 4 fresh 32-bit words. Any block can be computed alone, in any order, by any thread, and a
stream is named instead of stored: minigan keys its draws by (seed, step, draw site), so a resumed
run finds the same numbers without saving any generator state.

Everything below is integer array arithmetic that NumPy and CuPy do identically (uint32 words,
32x32 -> 64-bit products in uint64), so one seed gives the same bits on the CPU and the GPU, each
drawn where its arrays live.
"""
import numpy as np

from .backend import get_array_module

# The fast path on the CPU: the same Philox4x32-10 compiled in C by the randomgen package, when it is
# installed (tests check it against the array version below).
try:
    import randomgen as _compiled
except ImportError:    # the array version gives the same bits, more slowly
    _compiled = None

# The round constants of Philox4x32 (Salmon et al. 2011, table 2 and the Random123 sources):
MULTIPLIERS = (0xD2511F53, 0xCD9E8D57)   # the two 32-bit multipliers of each round
WEYL = (0x9E3779B9, 0xBB67AE85)          # added to the key between rounds (golden ratio, sqrt(3) - 1)
ROUNDS = 10
LOW32 = 0xFFFFFFFF


def philox4x32(counter, key, rounds=ROUNDS):
    """Scramble ``counter`` (4 arrays of uint32 words, any shape) under ``key`` (two ints).

    Returns 4 uint32 arrays: the random words of every counter. Each round is two "multiply, keep
    the high and the low half" steps and a swap (a Feistel network); the key is bumped by a Weyl
    sequence between rounds so that no two rounds are alike.
    """
    xp = get_array_module(counter[0])
    # Every word lives in a uint64 array: a 32x32-bit product then fits exactly (the "mulhilo").
    x0, x1, x2, x3 = (xp.asarray(c).astype(np.uint64) for c in counter)
    k0, k1 = int(key[0]) & LOW32, int(key[1]) & LOW32
    m0, m1 = np.uint64(MULTIPLIERS[0]), np.uint64(MULTIPLIERS[1])
    for r in range(rounds):
        if r > 0:
            k0, k1 = (k0 + WEYL[0]) & LOW32, (k1 + WEYL[1]) & LOW32
        p0, p1 = x0 * m0, x2 * m1                       # 64-bit products of 32-bit words
        hi0, lo0 = p0 >> np.uint64(32), p0 & np.uint64(LOW32)
        hi1, lo1 = p1 >> np.uint64(32), p1 & np.uint64(LOW32)
        x0, x1, x2, x3 = hi1 ^ x1 ^ np.uint64(k0), lo1, hi0 ^ x3 ^ np.uint64(k1), lo0
    return tuple(x.astype(np.uint32) for x in (x0, x1, x2, x3))


def random_words(xp, n, key, stream):
    """``n`` uint32 words from the stream named by ``stream`` (two ints, e.g. step and draw site).

    Counter i of the stream is (i, 0, stream[0], stream[1]); its 4 words are laid out in order,
    so word j comes from counter j // 4. (The second word of the counter stays 0: a draw would
    need more than 2^34 words to reach it.)
    """
    if xp is np and _compiled is not None:
        return _compiled_words(int(n), key, stream)
    blocks = (int(n) + 3) // 4
    index = xp.arange(blocks, dtype=np.uint32)
    zeros = xp.zeros(blocks, dtype=np.uint32)
    counter = (index, zeros, zeros + np.uint32(int(stream[0]) & LOW32), zeros + np.uint32(int(stream[1]) & LOW32))
    words = xp.stack(philox4x32(counter, key), axis=1)   # (blocks, 4): counter by counter
    return words.reshape(-1)[:n]


def _compiled_words(n, key, stream):
    """random_words on the CPU, by randomgen's Philox: it walks the counters as one 128-bit number
    (word 0 lowest) and adds one BEFORE each block, so it starts one counter behind."""
    first = (int(stream[0]) & LOW32) << 64 | (int(stream[1]) & LOW32) << 96
    bits = _compiled.Philox(counter=(first - 1) % 2 ** 128, key=(int(key[0]) & LOW32) | (int(key[1]) & LOW32) << 32,
                            number=4, width=32)
    return np.random.Generator(bits).integers(0, 2 ** 32, n, dtype=np.uint32)


def keep_mask(xp, shape, p, key, stream):
    """Booleans of ``shape``, each False with probability ``p`` (dropout's mask).

    A keep-or-drop choice needs far fewer than 32 random bits, so each word gives two: its two
    16-bit halves, each compared with p * 2^16 (p is honoured to 1/65536). Half the words, half
    the cost of the draw. (The halves are read little-endian, as every CPU and GPU NumPy and CuPy
    run on stores them.)
    """
    n = int(np.prod(shape))
    halves = random_words(xp, (n + 1) // 2, key, stream).view(np.uint16)[:n]
    threshold = np.uint16(min(round(p * 2 ** 16), 2 ** 16 - 1))
    return (halves >= threshold).reshape(shape)


def integers(xp, high, n, key, stream):
    """``n`` integers uniform in [0, high): floor(u * high) with u a 32-bit uniform (the bias this
    leaves is below high / 2^32, far under anything a class label can show)."""
    words = random_words(xp, n, key, stream)
    return (words.astype(np.float64) * (high * 2.0 ** -32)).astype(np.int64)


def uniform(xp, shape, key, stream, dtype=np.float32):
    """Uniform floats in [0, 1) of ``shape``: the top 24 bits of each word (float32's whole
    mantissa), times 2^-24, so every value is exact in float32 and float64 alike."""
    n = int(np.prod(shape))
    words = random_words(xp, n, key, stream)
    return ((words >> np.uint32(8)).astype(dtype) * np.dtype(dtype).type(2.0 ** -24)).reshape(shape)


def normal(xp, shape, key, stream, dtype=np.float32):
    """Standard normals by the Box-Muller transform: two uniforms u1, u2 give two independent
    normals r cos(theta) and r sin(theta), r = sqrt(-2 log u1), theta = 2 pi u2. Computed in
    float64 (the same formula on both backends) and rounded to ``dtype`` at the end. NumPy's and
    CuPy's float64 log, cos and sin may differ in the last bit; rounded to float32, that shows only
    for the rare value that lies on a rounding boundary. (With 24-bit uniforms the tails stop at
    sqrt(2 ln 2^24) = 5.8 standard deviations.)"""
    n = int(np.prod(shape))
    half = (n + 1) // 2
    words = random_words(xp, 2 * half, key, stream).reshape(half, 2)
    u1 = ((words[:, 0] >> np.uint32(8)).astype(np.float64) + 1.0) * 2.0 ** -24   # in (0, 1]: log is finite
    u2 = (words[:, 1] >> np.uint32(8)).astype(np.float64) * 2.0 ** -24
    r, theta = xp.sqrt(-2.0 * xp.log(u1)), (2.0 * np.pi) * u2
    z = xp.stack([r * xp.cos(theta), r * xp.sin(theta)], axis=1).reshape(-1)[:n]
    return z.astype(dtype).reshape(shape)
