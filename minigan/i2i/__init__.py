"""Image-to-image translation by hand: Pix2Pix (paired) and CycleGAN (unpaired).

    skip.py      the skip connection: concatenate, and SUM the two gradients on the way back
    networks.py  the U-Net generator and the PatchGAN discriminator (and its receptive field)
    losses.py    L1, cycle consistency, identity, and the least-squares objective per patch
    pool.py      CycleGAN's history of generated images for D
    steps.py     one Pix2Pix step and one CycleGAN step, written out, with their records
    data.py      the edge operator and scikit-learn's digits framed as MNIST frames its own
    presets.py   the two presets; run.py trains them; translate.py applies a checkpoint
"""
