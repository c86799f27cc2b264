"""Does the conditional preset draw the digit it is asked for? (issue 7, acceptance 3)

    python benchmarks/cdcgan_mnist.py [--seeds 0 1] [--data-dir ../shared/data/mnist]

For each seed, as a user would: ``minigan train --preset cdcgan-mnist`` (its defaults: 10 epochs), then
``minigan evaluate -n 1000``, which draws 100 samples of each digit and reports the share that the
shipped classifier reads as the digit asked for (label agreement), beside the image metrics. The seeds
run side by side, one process and one BLAS thread each. Writes results/cdcgan_mnist.{md,json}.
"""
import argparse
import json
import os
import sys
import tempfile
from multiprocessing import Pool

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import load_average, machine_info, train_and_evaluate  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def one(job):
    seed, data_dir, workdir = job
    return train_and_evaluate("cdcgan-mnist", seed, workdir, train_args=["--data-dir", data_dir],
                              evaluate_args=["-n", "1000"], threads=1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--data-dir", default=os.path.join(HERE, "..", "..", "shared", "data", "mnist"))
    ap.add_argument("--out-dir", default=os.path.join(HERE, "results"))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir, Pool(len(args.seeds)) as pool:
        runs = pool.map(one, [(s, os.path.abspath(args.data_dir), workdir) for s in args.seeds])
    lines = ["# cdcgan-mnist: does G draw the digit asked for?", "",
             "`minigan train --preset cdcgan-mnist --seed S --data-dir DIR` (10 epochs of MNIST's 10,000 test images, "
             "1,560 steps), then `minigan evaluate -n 1000`: 100 samples per digit, read by the shipped classifier "
             "(98% on held-out real digits). Label agreement = share read as the digit asked for; the other "
             "figures against the 2,000 held-out images.", "",
             "| seed | label agreement % | FCD | precision | recall | classifier score | train s |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        lines.append(f"| {r['seed']} | {100 * r['label_agreement']:.1f} | {r['fcd']:.1f} | {r['precision']:.3f} | "
                     f"{r['recall']:.3f} | {r['classifier_score']:.2f} | {r['seconds']:.0f} |")
    info = machine_info(None, "numpy")
    lines += ["", f"{info['date']} | {info['processor']}, {info['cpus']} CPUs | NumPy {info['numpy']} | seeds side "
              f"by side, one BLAS thread each; load average {load_average()} at the end (other jobs included)."]
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "cdcgan_mnist.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(args.out_dir, "cdcgan_mnist.json"), "w") as f:
        json.dump({"info": info, "runs": runs}, f, indent=1)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
