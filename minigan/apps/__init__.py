"""What a trained GAN is good for, besides drawing samples.

* ``inpaint``  -- fill a masked region by searching G's latent space (Yeh et al. 2017);
* ``anomaly``  -- score how badly G can explain an image (AnoGAN, Schlegl et al. 2017);
* ``augment``  -- add a conditional G's samples to a small labelled training set;
* ``roc``      -- AUROC (a rank statistic) and the ROC curve, for the anomaly scores;
* ``latent``   -- the search both inpainting and AnoGAN run: gradient descent on z through a frozen G and D.

None of them trains G or D: they only ask for input gradients, the same gradient the G step hands
from D to G, pushed one layer further back, into z.
"""
