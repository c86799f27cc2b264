"""Regenerate the README's pictures with the very commands the README documents (seed 0).

    python tools/readme_pictures.py                       # dcgan-digits, ring8, dcgan-photos: minutes each
    python tools/readme_pictures.py --mnist-dir DIR       # also the MNIST headline (~20-30 minutes)
    python tools/readme_pictures.py --dry-run             # print the commands only

Each command runs in a fresh folder under --work; the picture it leaves is copied into docs/.
"""
import argparse
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (the command as the README shows it, the picture the run leaves, where the README shows it, and a
# command the README runs on the finished run to draw it, "{run}" standing for the run's folder)
PICTURES = [
    ("minigan train", "samples.png", "docs/digits_samples.png", None),
    ("minigan train --preset ring8", "field.png", "docs/ring8_field.png", None),
    ("minigan train --preset dcgan-photos", "samples.png", "docs/photos_samples.png", None),
    ("minigan train --preset cdcgan-mnist-quick --data-dir path/to/mnist", "digits.png",
     "docs/cdcgan_mnist_quick_samples.png", "minigan sample --checkpoint {run} -n 100 --out {run}/digits.png"),
]


def commands(mnist_dir=None):
    """The README's commands, each with the arguments that make it runnable here."""
    for shown, picture, target, after in PICTURES:
        argv = shlex.split(shown)
        if "path/to/mnist" in argv:
            if mnist_dir is None:
                continue
            argv[argv.index("path/to/mnist")] = str(mnist_dir)
        yield shown, argv, picture, target, after


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnist-dir", help="MNIST's files: also redraw the MNIST headline's picture")
    ap.add_argument("--work", default="runs/readme", help="where the runs go (default: runs/readme)")
    ap.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = ap.parse_args(argv)
    for shown, cmd, picture, target, after in commands(args.mnist_dir):
        out = Path(args.work) / Path(target).stem
        full = [*cmd, "--out", str(out), "--no-progress"]
        then = shlex.split(after.format(run=out)) if after else None
        for argv in filter(None, (full, then)):
            print(" ".join(shlex.quote(part) for part in argv), flush=True)
        if args.dry_run:
            continue
        if out.exists():
            shutil.rmtree(out)
        subprocess.run(full, check=True)
        if then:
            subprocess.run(then, check=True)
        shutil.copyfile(out / picture, ROOT / target)
        print(f"  {out / picture} -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
