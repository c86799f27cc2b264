"""The translation tasks' data: the edge operator and scikit-learn's digits in MNIST's frame."""
import numpy as np

from minigan.i2i.data import edges, frame_like_mnist


def picture(grey):
    """(H, W) or (N, H, W) grey values in [0, 1] (1 = ink) -> (N, 1, H, W) in [-1, 1], as the loaders give them."""
    grey = np.asarray(grey, dtype=np.float32)
    return (grey * 2 - 1).reshape(-1, 1, *grey.shape[-2:])


def test_edges_outline_a_full_stroke_and_drop_its_inside_and_the_background():
    grey = np.zeros((12, 12))
    grey[2:10, 3:9] = 1.0                                       # a bar 6 pixels wide, full ink
    out = edges(picture(grey))[0, 0]
    assert set(np.unique(out)) == {-1.0, 1.0}
    row = out[5]
    # ink meets background between columns 2|3 and 8|9: the two pixels on either side are edge
    assert np.flatnonzero(row == 1).tolist() == [2, 3, 8, 9]
    assert (out[4:8, 4:8] == -1).all()                          # the stroke's middle
    assert (out[:, 11] == -1).all() and (out[11] == -1).all()   # empty background far away


def test_a_faint_stroke_leaves_no_edge_at_the_default_threshold():
    grey = np.zeros((10, 10))
    grey[2:8, 4:6] = 0.8                                        # ink that never gets near full
    assert (edges(picture(grey)) == -1).all()
    assert (edges(picture(grey), threshold=0.5) == 1).any()     # a lower threshold would keep it
    grey[2:8, 4:6] = 1.0
    assert (edges(picture(grey)) == 1).any()


def test_edges_see_each_image_alone_and_do_not_wrap_at_the_border():
    grey = np.zeros((2, 8, 8))
    grey[0, :, 0] = 1.0                                         # a stroke along the left border
    out = edges(picture(grey))
    assert (out[1] == -1).all()                                 # the blank image stays blank
    assert (out[0, 0, :, 7] == -1).all()                        # nothing appears on the right border


def test_framed_digits_sit_in_a_20_pixel_box_centred_by_mass():
    small = -np.ones((1, 1, 8, 8), dtype=np.float32)
    small[0, 0, 1:7, 2:4] = 1.0                                 # an upright stroke, left of centre
    out = frame_like_mnist(small)[0, 0]
    ink = (out + 1) / 2
    rows, cols = np.nonzero(ink > 0.01)
    assert out.shape == (28, 28) and np.ptp(rows) < 20 and np.ptp(cols) < 20
    grid = np.arange(28) + 0.5
    centre = (ink.sum(1) @ grid / ink.sum(), ink.sum(0) @ grid / ink.sum())
    assert np.allclose(centre, 14, atol=0.5)
