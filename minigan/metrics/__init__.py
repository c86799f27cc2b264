"""Metrics for generated samples: mode coverage on the 2D toy mixtures, and image metrics
(classifier score, FCD, precision / recall / coverage) in a shipped classifier's feature space."""
from .images import (class_histogram, classifier_score, frechet_distance, image_metrics, kl_to_uniform,
                     precision_recall)
from .modes import mode_metrics

__all__ = ["mode_metrics", "image_metrics", "classifier_score", "class_histogram", "kl_to_uniform",
           "frechet_distance", "precision_recall"]
