"""``minigan inpaint``: fill the missing pixels of images by searching the generator's latent space."""
import os

from . import UserError, add_checkpoint, friendly, positive


def add_parser(sub):
    i = sub.add_parser("inpaint", help="fill the missing pixels of images with a trained generator",
                       description="Fill the masked region of images by searching the generator's latent space "
                                   "(Yeh et al. 2017). IMG: .npy ((H, W), (N, H, W) or (N, C, H, W), values in "
                                   "[-1, 1]) or a grey .png; MASK: .npy or .png, 1 / white = known pixel, "
                                   "0 / black = missing, shaped (H, W) or like IMG; OUT: .npy or .png, the known "
                                   "pixels kept and the hole filled from G.")
    add_checkpoint(i)
    i.add_argument("--image", required=True, metavar="IMG", help="the images to complete (.npy or grey .png)")
    i.add_argument("--mask", required=True, metavar="MASK", help="1 / white where a pixel is known, 0 / black where missing")
    i.add_argument("--out", required=True, metavar="OUT", help="OUT.npy (the completed images) or OUT.png "
                   "(original, masked input and result side by side)")
    i.add_argument("--steps", type=positive(int), default=300, help="Adam steps on z")
    i.add_argument("--lam", type=float, default=0.1, help="weight of D's opinion, the prior loss")
    i.add_argument("--seed", type=int, default=0, help="seed of the starting noise")
    i.add_argument("--backend", choices=["numpy", "cupy"], help="numpy (CPU) or cupy (GPU) (default: the run's)")


@friendly
def run(args):
    import minigan
    from ..apps.files import InputError, read_images, read_mask, write_images
    from ..apps.inpaint import inpaint
    from ..train import load_gan
    if not args.lam >= 0 or args.lam == float("inf"):   # NaN compares False
        raise UserError(f"argument --lam: must be 0 or more and finite, got {args.lam}", 2)
    try:   # every file problem is found before any work is done
        if os.path.splitext(args.out)[1].lower() not in (".npy", ".png"):
            raise InputError(f"--out {args.out}: expected a .npy or .png file")
        images = read_images(args.image)
        mask = read_mask(args.mask, images.shape)
    except InputError as err:
        raise UserError(str(err), 2) from None
    gan, header, _ = load_gan(args.checkpoint, args.backend)
    preset = header["config"]["preset"]
    if hasattr(gan, "n_classes"):
        raise UserError(f"{args.checkpoint} holds a conditional model ({preset!r}); inpainting needs an "
                        "unconditional image GAN", 2)
    minigan.seed(args.seed)
    gan.G.eval()
    shape = tuple(gan.G.forward(gan.sample_noise(1)).shape[1:])
    if len(shape) != 3:
        raise UserError(f"{args.checkpoint} holds a {preset!r} model, which draws points, not images", 2)
    if images.shape[1:] != shape:
        raise UserError(f"--image {args.image}: images of shape {images.shape[1:]}, but the generator in "
                        f"{args.checkpoint} draws {shape}", 2)
    result = inpaint(gan.G, gan.D, images, mask, gan.z_dim, steps=args.steps, lam=args.lam)
    write_images(args.out, result.blended)
    context = result.history["contextual"]
    missing = int((mask == 0).sum()) // len(images)
    print(f"inpainted {len(images)} image(s) of shape {shape}, about {missing} missing pixels each, in "
          f"{args.steps} steps: contextual loss {context[0].mean():.2f} -> {context[-1].mean():.2f}; wrote {args.out}")
    return 0
