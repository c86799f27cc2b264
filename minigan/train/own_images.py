"""Training on your own images: ``minigan train --data PATH`` (a folder of pictures or an .npy / .npz).

The images are read at the size and channels the preset's networks take. The dcgan family
(``dcgan``, ``cdcgan``, ``dcgan-photos``) builds its networks for ``--image-size`` and
``--channels``, the channels defaulting to the images' own (colour if any image is); every other
image preset reads one shape (MNIST's 1x28x28, the digits' 1x8x8), to which the images are
converted. The shape and, for a conditional preset, the number of classes (one sub-folder per
class) become part of the run's recorded flags, so that sampling and resuming rebuild the same
networks; the data path is recorded too, and read again on resume.
"""
from dataclasses import replace

from ..presets import FIXED_IMAGE_SHAPES, get_preset
from .settings import preset_from


def sized(name):
    """True for the presets whose networks are built for the image size and channels asked for."""
    return get_preset(name).image_size is not None


def check_image_shape(settings):
    """Refuse, before anything is read or built, --image-size / --channels a preset cannot take,
    and --data for a preset that does not train on images."""
    name, given = settings.name, settings.overrides
    if sized(name):
        from ..models import dcgan_plan
        dcgan_plan(settings.preset.image_size)          # a size the DCGAN cannot build: one line
        return
    fixed = FIXED_IMAGE_SHAPES.get(get_preset(name).dataset)
    if fixed is None:
        if settings.data_path or "image_size" in given or "channels" in given:
            raise ValueError(f"preset {name} trains on 2D points; --data, --image-size and --channels are for "
                             "image presets (e.g. --preset dcgan)")
        return
    channels, size = fixed
    if given.get("image_size", size) != size or given.get("channels", channels) != channels:
        raise ValueError(f"preset {name}'s networks read {channels}x{size}x{size} images; --preset dcgan builds "
                         "a DCGAN for the --image-size and --channels you choose")


def read_own_images(settings, log):
    """(settings completed with the images' shape and classes, (images, labels)) for ``--data``."""
    from ..data import load_images
    name, preset = settings.name, settings.preset
    if sized(name):
        size, channels = preset.image_size, settings.overrides.get("channels")    # None: the images'
    else:
        channels, size = FIXED_IMAGE_SHAPES[get_preset(name).dataset]
    data = load_images(settings.data_path, size, channels, log=log)
    overrides = dict(settings.overrides)
    if sized(name):
        overrides.update(image_size=size, channels=int(data.images.shape[1]))
    if preset.conditional:
        overrides.update(_classes(settings, data))
    settings = replace(settings, overrides=overrides, preset=preset_from(name, overrides))
    return settings, (data.images, data.labels)


def _classes(settings, data):
    """{"n_classes": K} for a conditional run on labelled data, or a ValueError saying what is missing."""
    name, path = settings.name, settings.data_path
    if data.labels is None:
        raise ValueError(f"{path}: preset {name} is conditional and needs a class for every image: "
                         "one sub-folder per class (or an .npz with 'labels')")
    found = max(len(data.classes), int(data.labels.max()) + 1)
    if sized(name):
        if found < 2:
            raise ValueError(f"{path}: preset {name} needs at least two classes (sub-folders); found one")
        return {"n_classes": found}
    if found > settings.preset.n_classes:
        raise ValueError(f"{path}: {found} classes, but preset {name} draws {settings.preset.n_classes}; "
                         "--preset cdcgan takes any number")
    return {}
