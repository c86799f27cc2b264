"""``minigan train | sample | evaluate | inpaint | gradcheck | bench | lab`` -- the command line.

Each command is a module of this package with ``add_parser(sub)`` (its flags) and ``run(args)``;
what they share lives here: the parser (a bad flag is one line and exit status 2), the flag
types, and the turning of the errors a user can cause into one-line messages.
"""
import argparse
import sys

DEFAULT_PRESET = "dcgan-digits"
COMMANDS = ("train", "sample", "evaluate", "inpaint", "gradcheck", "bench", "lab")


class Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line on stderr and exit status 2 (no usage dump)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


class UserError(Exception):
    """A problem with what the user asked for: printed as one line, exit ``status``."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


def friendly(fn):
    """Turn the errors a user can cause into one-line messages instead of tracebacks."""
    def wrapper(args):
        from ..backend import BackendUnavailable
        from ..checkpoint import CheckpointError
        from ..train import RunExists, TrainingDiverged
        try:
            return fn(args)
        except (CheckpointError, TrainingDiverged, FileNotFoundError) as err:
            raise UserError(str(err), 1) from None
        except (RunExists, BackendUnavailable, ValueError) as err:   # bad input: status 2, like a bad flag
            raise UserError(str(err), 2) from None
    return wrapper


# -- flag types ------------------------------------------------------------------------------------
def positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value
    return parse


def decay(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def objective_or_recipes(names):
    """An objective or recipe name, or several recipes joined with "+" ("sharp+mbstd")."""
    def parse(text):
        unknown = [t for t in text.split("+") if t not in names]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown objective or recipe {unknown[0]!r}: choose from "
                                             f"{', '.join(sorted(names))}, or join recipes with '+'")
        return text
    return parse


# -- the parser and main ---------------------------------------------------------------------------
def _command(name):
    """The module of one command (imported on demand, so a problem in one never stops another)."""
    import importlib
    return importlib.import_module(f"{__name__}.{name}")


def build_parser():
    parser = Parser(prog="minigan", description="A from-scratch GAN library you can read.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in COMMANDS:
        _command(name).add_parser(sub)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    try:
        return _command(args.command).run(args)
    except KeyboardInterrupt:
        return 130
    except UserError as err:
        print(f"minigan {args.command}: error: {err}", file=sys.stderr)
        return err.status
