"""The header of a run's checkpoint, checked as a whole before anything is built from it.

A checkpoint may come from anyone, so its JSON header is untrusted input: every field must be
one the loader knows, of the right type and within range. A problem gives one line that names
the file and the field ("config.overrides.batch_size: expected a whole number 1..65536, got -3").
Nothing else in the header is ever used: unknown keys are refused, not ignored.
"""
import math
from numbers import Integral, Real

from .. import recipes
from ..checkpoint import CheckpointError

MAX_STEPS = 10**9
MAX_BATCH_SIZE = 65536        # far above any batch that fits in memory for the shipped presets
MAX_PACK = 64
MAX_TEXT = 4096               # the longest string (a path, a recipe list) a header may hold
# The hyper-parameters each optimizer's state may set (optim.py's hyperparameters()).
HYPER = {"SGD": ("lr", "momentum"), "Adam": ("lr", "betas", "eps"), "RMSprop": ("lr", "alpha", "eps")}


class Field:
    """Checks at one place of the header; ``fail`` raises with the file and the field's path."""

    def __init__(self, path, where):
        self.path, self.where = path, where

    def at(self, key):
        return Field(self.path, f"{self.where}.{key}" if self.where else str(key))

    def fail(self, problem):
        raise CheckpointError(f"{self.path}: header field {self.where or '(top)'}: {problem}")

    def whole(self, value, low, high):
        if isinstance(value, bool) or not isinstance(value, Integral) or not low <= value <= high:
            self.fail(f"expected a whole number {low}..{high}, got {_short(value)}")
        return value

    def number(self, value, low, high, high_open=False):
        ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value) and low <= value
        if not ok or value > high or (high_open and value == high):
            self.fail(f"expected a number in [{low}, {high}{')' if high_open else ']'}, got {_short(value)}")
        return value

    def text(self, value, choices=None):
        if not isinstance(value, str) or len(value) > MAX_TEXT or "\0" in value:
            self.fail(f"expected a short text, got {_short(value)}")
        if choices is not None and value not in choices:
            self.fail(f"{value!r} is not one of {', '.join(sorted(choices))}")
        return value

    def mapping(self, value, required=(), optional=()):
        if not isinstance(value, dict):
            self.fail(f"expected an object, got {_short(value)}")
        unknown = sorted(set(value) - set(required) - set(optional))
        if unknown:
            self.fail(f"unknown key {unknown[0]!r}")
        missing = [k for k in required if k not in value]
        if missing:
            self.at(missing[0]).fail("missing")
        return value


def _short(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_generator_state(field, state):
    """A NumPy PCG64 bit generator's state, as ``bit_generator.state`` gives it."""
    field.mapping(state, ("bit_generator", "state", "has_uint32", "uinteger"))
    field.at("bit_generator").text(state["bit_generator"], {"PCG64"})
    inner = field.at("state").mapping(state["state"], ("state", "inc"))
    for key in ("state", "inc"):
        field.at("state").at(key).whole(inner[key], 0, 2**128 - 1)
    field.at("has_uint32").whole(state["has_uint32"], 0, 1)
    field.at("uinteger").whole(state["uinteger"], 0, 2**32 - 1)


# The preset fields a header may override: the flags of ``minigan train``, and what the lab's page
# changes (learning rates, critic steps, the 2D networks' sizes). Ranges keep a model small enough
# to build: a header cannot ask for a network of gigabytes.
MAX_LAYERS, MAX_WIDTH = 8, 1024
WHOLE_FIELDS = {"batch_size": (1, MAX_BATCH_SIZE), "pack": (1, MAX_PACK), "n_critic": (1, 100), "z_dim": (1, 1024),
                "width": (1, MAX_WIDTH), "image_size": (4, 256), "channels": (1, 3), "n_classes": (2, 1000)}
MAX_WIDTH_TIMES_SIZE = 32768   # the dcgan family's widest layer has width * image_size / 8 channels
NUMBER_FIELDS = {"lr": (0.0, 10.0), "g_lr_scale": (0.0, 1e4), "lr_d": (0.0, 10.0), "lr_g": (0.0, 10.0)}
MAX_POINTS, COORD_LIMIT = 10000, 100.0


def check_overrides(field, overrides):
    field.mapping(overrides, optional=("steps", "epochs", "objective", "dataset", "ema", "beta1", "g_hidden", "d_hidden",
                                       *WHOLE_FIELDS, *NUMBER_FIELDS))
    for key, (low, high) in WHOLE_FIELDS.items():
        if key in overrides:
            field.at(key).whole(overrides[key], low, high)
    for key, (low, high) in NUMBER_FIELDS.items():
        if key in overrides and not field.at(key).number(overrides[key], low, high) > 0:
            field.at(key).fail("must be positive")
    if overrides.get("image_size", 0) * overrides.get("width", 64) > MAX_WIDTH_TIMES_SIZE:
        field.at("image_size").fail(f"with width {overrides.get('width', 64)} the networks would be too large "
                                    f"(image size x width at most {MAX_WIDTH_TIMES_SIZE})")
    for key in ("g_hidden", "d_hidden"):
        if overrides.get(key) is not None:
            layers = overrides[key]
            if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
                field.at(key).fail(f"expected a list of 1 to {MAX_LAYERS} layer widths, got {_short(layers)}")
            for i, width in enumerate(layers):
                field.at(key).at(i).whole(width, 1, MAX_WIDTH)
    for key in ("steps", "epochs"):
        if overrides.get(key) is not None:
            field.at(key).whole(overrides[key], 1, MAX_STEPS)
    for key in ("ema", "beta1"):
        if overrides.get(key) is not None:
            field.at(key).number(overrides[key], 0.0, 1.0, high_open=True)
    if "objective" in overrides:
        names = recipes.names()
        text = field.at("objective").text(overrides["objective"])
        unknown = [part for part in text.split("+") if part not in names]
        if unknown:
            field.at("objective").fail(f"unknown objective or recipe {unknown[0]!r}")
    if "dataset" in overrides:
        from ..data import MIXTURES
        from ..data.datasets import IMAGE_DATASETS
        field.at("dataset").text(overrides["dataset"], set(MIXTURES) | set(IMAGE_DATASETS) | {"custom"})


def check_points(field, points):
    """Points drawn in the lab's page: a list of [x, y] pairs."""
    if not isinstance(points, list) or len(points) > MAX_POINTS:
        field.fail(f"expected a list of at most {MAX_POINTS} points, got {_short(points)}")
    for i, point in enumerate(points):
        if not isinstance(point, list) or len(point) != 2:
            field.at(i).fail(f"expected [x, y], got {_short(point)}")
        for value in point:
            field.at(i).number(value, -COORD_LIMIT, COORD_LIMIT)


def check_config(field, config):
    from ..presets import PRESETS
    field.mapping(config, ("preset", "overrides", "seed"),
                  ("backend", "data_dir", "drawn_points", "threads", "data", "data_path"))
    if "threads" in config:
        field.at("threads").whole(config["threads"], 1, 1024)
    if config.get("data") is not None:       # a run trained on arrays given in memory says so
        field.at("data").text(config["data"])
    field.at("preset").text(config["preset"], set(PRESETS))
    check_overrides(field.at("overrides"), config["overrides"])
    field.at("seed").whole(config["seed"], 0, 2**64 - 1)
    if config.get("backend") is not None:
        field.at("backend").text(config["backend"], {"numpy", "cupy"})
    for key in ("data_dir", "data", "data_path"):      # data: a note on arrays given in memory, only ever shown
        if config.get(key) is not None:
            field.at(key).text(config[key])
    if "drawn_points" in config:
        check_points(field.at("drawn_points"), config["drawn_points"])


def check_random_state(field, state):
    """rng.get_state(): the CPU generator's state, and the counter of the keyed (Philox) draws."""
    if not isinstance(state, dict):
        field.fail(f"expected an object, got {_short(state)}")
    state = dict(state)
    counter = state.pop("counter", None)
    check_generator_state(field, state)
    if counter is not None:
        field.at("counter").mapping(counter, ("seed", "step", "site"))
        for key in ("seed", "step", "site"):
            field.at("counter").at(key).whole(counter[key], 0, 2**64 - 1)


def check_optimizer(field, state):
    field.mapping(state, ("type", "t", "hyper"))
    kind = field.at("type").text(state["type"], set(HYPER))
    field.at("t").whole(state["t"], 0, 2**62)
    hyper = field.at("hyper").mapping(state["hyper"], optional=HYPER[kind])
    for key, value in hyper.items():
        where = field.at("hyper").at(key)
        if key == "betas":
            if not isinstance(value, list) or len(value) != 2:
                where.fail(f"expected two numbers, got {_short(value)}")
            for i, beta in enumerate(value):
                where.at(i).number(beta, 0.0, 1.0, high_open=True)
        else:
            where.number(value, 0.0, 1e6)


def check_stream(field, state):
    if state == {}:
        return
    field.mapping(state, ("epoch", "pos", "rng"))
    field.at("epoch").whole(state["epoch"], 0, 2**62)
    field.at("pos").whole(state["pos"], 0, 2**62)
    check_generator_state(field.at("rng"), state["rng"])


def check_run_header(path, header):
    """Raise CheckpointError (one line naming ``path`` and the field) unless ``header`` is a run's."""
    top = Field(path, "")
    top.mapping(header, ("format", "version", "step", "total_steps", "config", "rng", "stream", "optimizers"),
                ("diagnostics", "ema"))
    top.at("total_steps").whole(header["total_steps"], 0, MAX_STEPS)
    top.at("step").whole(header["step"], 0, header["total_steps"])
    check_config(top.at("config"), header["config"])
    check_random_state(top.at("rng"), header["rng"])
    check_stream(top.at("stream"), header["stream"])
    optimizers = top.at("optimizers").mapping(header["optimizers"], ("G", "D"))
    for who in ("G", "D"):
        check_optimizer(top.at("optimizers").at(who), optimizers[who])
    if "diagnostics" in header:
        diagnostics = top.at("diagnostics").mapping(header["diagnostics"], optional=("d_wins_streak", "collapse_since"))
        for key in ("d_wins_streak", "collapse_since"):       # collapse_since: None while no collapse lasts
            if diagnostics.get(key) is not None:
                top.at("diagnostics").at(key).whole(diagnostics[key], 0, MAX_STEPS)
    if "ema" in header:
        ema = top.at("ema").mapping(header["ema"], ("decay", "count"))
        top.at("ema").at("decay").number(ema["decay"], 0.0, 1.0, high_open=True)
        top.at("ema").at("count").whole(ema["count"], 0, 2**62)
    return header
