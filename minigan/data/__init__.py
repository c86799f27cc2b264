"""Data sets: 2D toy mixtures, scikit-learn digits and photo crops, MNIST and Fashion-MNIST, your own
images (a folder or an array file), where each is found (the catalog), and a batch iterator."""
from .arrays import DataError, ImageSet, load_array_images
from .catalog import add as add_dataset, format_status, status as dataset_status
from .datasets import IMAGE_DATASETS, load_dataset
from .digits import load_digits
from .folder import load_folder, load_images
from .idx import IDXError, read_idx, write_idx
from .loader import batches
from .mnist import ChecksumError, DatasetNotFound, load_fashion_mnist, load_mnist
from .photos import PHOTO_CROPS, load_photo_crops
from .toy import MIXTURES, Mixture, get_mixture

__all__ = [
    "Mixture", "MIXTURES", "get_mixture",
    "load_digits", "load_mnist", "load_fashion_mnist", "DatasetNotFound", "ChecksumError",
    "IDXError", "read_idx", "write_idx",
    "batches", "load_dataset", "IMAGE_DATASETS",
    "load_images", "load_folder", "load_array_images", "ImageSet", "DataError",
    "load_photo_crops", "PHOTO_CROPS",
    "dataset_status", "format_status", "add_dataset",
]
