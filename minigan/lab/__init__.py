"""minigan lab: GAN Lab's interactive view in the browser, driven by minigan's own training step.

``engine.Lab`` owns one GAN on a 2D data set and trains it in a background thread; ``server``
serves the page (``static/``) and a small JSON API over it; ``config`` checks every request.
"""
from .config import BadRequest
from .engine import Lab

__all__ = ["Lab", "BadRequest"]
