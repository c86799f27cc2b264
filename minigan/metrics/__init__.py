"""Metrics for generated samples: mode coverage on the 2D toy mixtures."""
from .modes import mode_metrics

__all__ = ["mode_metrics"]
