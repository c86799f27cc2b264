"""``minigan gradcheck``: check every hand-written backward against finite differences."""
from . import friendly


def add_parser(sub):
    g = sub.add_parser("gradcheck", help="check every hand-written backward against finite differences")
    g.add_argument("--tol", type=float, default=1e-6, help="largest relative error that passes (float64)")
    g.add_argument("--seed", type=int, default=0, help="seed of the random inputs and upstream gradients")


@friendly
def run(args):
    from ..gradcheck.table import run_all
    rows = run_all(seed=args.seed, tol=args.tol)
    width = max(len(r[0]) for r in rows)
    print(f"{'name':<{width}}  max rel. error  verdict")
    for name, err, ok in rows:
        print(f"{name:<{width}}  {err:14.2e}  {'ok' if ok else 'FAIL'}")
    failed = [r for r in rows if not r[2]]
    print(f"{len(rows) - len(failed)} of {len(rows)} passed (float64, tolerance {args.tol:g})")
    return 1 if failed else 0
