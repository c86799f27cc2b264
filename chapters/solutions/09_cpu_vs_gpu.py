# Solutions to the exercises of chapter 9 (chapters/09_cpu_vs_gpu.ipynb), one section per exercise cell.
# %% exercise 1
def copy_seconds(host, xp, repeats=5):
    """Median seconds to copy the NumPy array `host` onto the backend xp (one untimed copy first)."""
    xp.array(host, copy=True)          # the first copy pays for allocating (and, on a GPU, the memory pool)
    synchronize(xp)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        xp.array(host, copy=True)
        synchronize(xp)                # a GPU copy may still be running when the call returns
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


# %% exercise 2
def philox_round(x0, x1, x2, x3, k0, k1):
    """One Philox4x32 round on uint64 arrays holding 32-bit words; returns the four new words (uint64)."""
    low = np.uint64(0xFFFFFFFF)
    p0, p1 = x0 * np.uint64(0xD2511F53), x2 * np.uint64(0xCD9E8D57)
    return (p1 >> np.uint64(32)) ^ x1 ^ k0, p1 & low, (p0 >> np.uint64(32)) ^ x3 ^ k1, p0 & low


# %% exercise 3
def stream_words(seed, step, site, n):
    """The first n uint32 words of the draw `site` of training step `step` under `seed`."""
    blocks = (n + 3) // 4
    zeros = np.zeros(blocks, np.uint32)
    counter = (np.arange(blocks, dtype=np.uint32), zeros, zeros + np.uint32(step), zeros + np.uint32(site))
    words = philox.philox4x32(counter, (seed & 0xFFFFFFFF, seed >> 32))
    return np.stack(words, axis=1).reshape(-1)[:n]
