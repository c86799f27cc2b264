"""The models a lab server holds: one per open page, so that two pages can compare two settings.

Model "0" is made when the server starts (a bad preset fails at once, and API clients that name
no model use it); each page that opens asks for a model of its own. Past ``limit`` models the one
used longest ago is closed, so a forgotten tab cannot pile up training threads.
"""
import collections
import threading

from .config import BadRequest
from .engine import Lab


class NoSuchModel(BadRequest):
    """A request named a model this server does not hold (never made, or closed): HTTP 404."""


class Labs:
    def __init__(self, preset="ring8", seed=0, out="lab-exports", limit=8, first=None):
        self.preset, self.seed, self.out, self.limit = preset, seed, out, int(limit)
        self.lock = threading.Lock()
        self.labs = collections.OrderedDict(
            {"0": first if first is not None else Lab(preset, seed=seed, out=out, name="0")})
        self._made = 1

    def new(self):
        """Make a model for a new page; returns its name."""
        with self.lock:
            name = str(self._made)
            self._made += 1
        lab = Lab(self.preset, seed=self.seed, out=self.out, name=name)
        with self.lock:
            self.labs[name] = lab
            while len(self.labs) > self.limit:
                _, oldest = self.labs.popitem(last=False)
                oldest.close()
        return name

    def get(self, name=None):
        """The model called ``name`` (model "0" when None)."""
        name = "0" if name is None else name
        with self.lock:
            lab = self.labs.get(name)
            if lab is None:
                raise NoSuchModel(f"no model {name!r} on this server (closed, or never made); "
                                  "reload the page for a new one")
            self.labs.move_to_end(name)
            return lab

    def close(self):
        with self.lock:
            labs, self.labs = list(self.labs.values()), collections.OrderedDict()
        for lab in labs:
            lab.close()
