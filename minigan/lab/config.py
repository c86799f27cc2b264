"""What the lab page may ask for, checked before anything changes.

Every request body is untrusted: ``parse_body`` turns raw bytes into a dict or a ``BadRequest``
with one clear line, and ``check_settings`` validates a settings change field by field. Nothing
is applied until the whole request has passed, so a bad request leaves the model as it was.
"""
import json
import math

from ..data import MIXTURES
from ..losses import ALIASES, OBJECTIVES
from ..recipes import RECIPES, names as recipe_names

MAX_BODY = 1 << 20          # bytes: a drawn distribution of 2,000 points is about 40 kB
CUSTOM = "custom"           # the data set drawn with the mouse
MAX_POINTS = 2000
COORD_LIMIT = 10.0          # drawn points must lie in [-10, 10]^2

# name -> (kind, low, high): the numeric settings and their allowed ranges (inclusive)
RANGES = {
    "d_lr": (float, 0.0, 1.0),        # 0 itself is refused below: a learning rate must be positive
    "g_lr": (float, 0.0, 1.0),
    "batch_size": (int, 8, 1024),
    "n_critic": (int, 1, 10),
    "z_dim": (int, 1, 64),
    "g_width": (int, 2, 512),
    "g_depth": (int, 1, 6),
    "d_width": (int, 2, 512),
    "d_depth": (int, 1, 6),
    "seed": (int, 0, 2**31 - 1),
}
LIVE = ("d_lr", "g_lr", "batch_size", "n_critic", "dataset", "points")   # applied without a restart
RESTART = ("objective", "z_dim", "g_width", "g_depth", "d_width", "d_depth", "seed")
FIELDS = LIVE + RESTART


class BadRequest(ValueError):
    """A request the lab refuses; the message is shown in the page as it is."""


def options():
    """The choices the page offers: objectives and recipes from the library, data sets, ranges."""
    return {"objectives": sorted(OBJECTIVES), "aliases": sorted(ALIASES), "recipes": sorted(RECIPES),
            "datasets": sorted(MIXTURES) + [CUSTOM],
            "ranges": {k: [low, high] for k, (_, low, high) in RANGES.items()},
            "live": list(LIVE), "restart": list(RESTART)}


def parse_body(raw):
    """The JSON object in a request body (empty body = {})."""
    if len(raw) > MAX_BODY:
        raise BadRequest(f"request body too large ({len(raw)} bytes; at most {MAX_BODY})")
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BadRequest(f"malformed JSON: {err}") from None
    if not isinstance(body, dict):
        raise BadRequest(f"expected a JSON object, got {type(body).__name__}")
    return body


def check_settings(body):
    """The settings in ``body``, validated and converted; raises BadRequest on the first bad one."""
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise BadRequest(f"unknown setting {unknown[0]!r}; settings are {', '.join(FIELDS)}")
    checked = {}
    for name, value in body.items():
        if name in RANGES:
            checked[name] = _number(name, value)
        elif name == "objective":
            checked[name] = check_objective(value)
        elif name == "dataset":
            checked[name] = _dataset(value)
        else:
            checked[name] = check_points(value)
    if checked.get("dataset") == CUSTOM and "points" not in checked:
        raise BadRequest("dataset 'custom' needs 'points': the drawn points as [[x, y], ...]")
    if "points" in checked and checked.setdefault("dataset", CUSTOM) != CUSTOM:
        raise BadRequest("'points' belong to dataset 'custom'")
    return checked


def _number(name, value):
    kind, low, high = RANGES[name]
    # JSON true/false are ints to Python; a learning rate of "true" is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequest(f"{name} must be a number, got {json.dumps(value)}")
    if kind is int and (not float(value).is_integer()):
        raise BadRequest(f"{name} must be a whole number, got {value}")
    if not math.isfinite(value):
        raise BadRequest(f"{name} must be finite, got {value}")
    if name in ("d_lr", "g_lr") and value <= 0:
        raise BadRequest(f"{name} must be positive, got {value}")
    if not low <= value <= high:
        raise BadRequest(f"{name} must be in [{low}, {high}], got {value}")
    return kind(value)


def check_objective(text):
    """An objective or recipe name, or recipes joined with "+", exactly as `minigan train` takes."""
    if not isinstance(text, str) or not text:
        raise BadRequest(f"objective must be a name, got {json.dumps(text)}")
    known = recipe_names()
    unknown = [t for t in text.split("+") if t not in known]
    if unknown:
        raise BadRequest(f"unknown objective or recipe {unknown[0]!r}: choose from {', '.join(sorted(known))}, "
                         "or join recipes with '+'")
    return text


def _dataset(name):
    if name not in list(MIXTURES) + [CUSTOM]:
        raise BadRequest(f"unknown data set {json.dumps(name)}; choose one of {', '.join(options()['datasets'])}")
    return name


def check_points(points):
    """Drawn points: a list of 3..2000 pairs of finite numbers inside [-10, 10]^2."""
    if not isinstance(points, list) or not 3 <= len(points) <= MAX_POINTS:
        size = len(points) if isinstance(points, list) else type(points).__name__
        raise BadRequest(f"points must be a list of 3 to {MAX_POINTS} [x, y] pairs, got {size}")
    for i, p in enumerate(points):
        ok = (isinstance(p, list) and len(p) == 2
              and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p))
        if not ok or not all(math.isfinite(v) and abs(v) <= COORD_LIMIT for v in p):
            raise BadRequest(f"points[{i}] must be [x, y] with finite |x|, |y| <= {COORD_LIMIT:g}, "
                             f"got {json.dumps(p)}")
    return [[float(x), float(y)] for x, y in points]


def check_layer(name, layers):
    """A layer name the page may inspect ("D/0", "G/2", ...)."""
    if name not in layers:
        raise BadRequest(f"unknown layer {json.dumps(name)}; layers are {', '.join(layers)}")
    return name
