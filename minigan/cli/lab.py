"""``minigan lab``: the interactive view of a 2D GAN in the browser, trained by minigan itself."""
import sys

from . import UserError, friendly


def add_parser(sub):
    from ..data import MIXTURES
    from ..presets import PRESETS
    two_d = sorted(name for name, p in PRESETS.items() if p.dataset in MIXTURES)
    b = sub.add_parser("lab", help="open the interactive GAN lab in the browser (2D presets)")
    b.add_argument("--preset", default="ring8", choices=two_d, help="the 2D preset each page starts from")
    b.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    b.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: this machine only; anything else is reachable by others)")
    b.add_argument("--no-browser", action="store_true", help="do not open the page in a browser")
    b.add_argument("--out", default="lab-exports", help="folder for exported checkpoints")
    b.add_argument("--seed", type=int, default=0, help="seed of each new model's weights, noise and data")


@friendly
def run(args):
    from ..lab.pool import Labs
    from ..lab.server import host_warning, main_loop, make_server
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be 0..65535, got {args.port}", 2)
    warning = host_warning(args.host)
    if warning:
        print(warning, file=sys.stderr)
    labs = Labs(args.preset, seed=args.seed, out=args.out)
    try:
        server = make_server(labs, args.host, args.port)
    except OSError as err:
        labs.close()
        raise UserError(f"cannot listen on {args.host}:{args.port} ({err.strerror or err})", 2) from None
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    url = f"http://{host}:{server.server_port}/"
    print(f"minigan lab: {args.preset} at {url}  (Ctrl-C stops it)", file=sys.stderr, flush=True)
    if not args.no_browser:
        import webbrowser
        webbrowser.open(url)
    main_loop(server)
    return 0
