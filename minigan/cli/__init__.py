"""``minigan train | sample | evaluate | inpaint | translate | data | gradcheck | bench | lab`` -- the command line.

Each command is a module of this package with ``add_parser(sub)`` (its flags) and ``run(args)``;
what they share lives here: the parser (a bad flag is one line and exit status 2), the flag
types, and the turning of the errors a user can cause into one-line messages.
"""
import argparse
import sys

DEFAULT_PRESET = "dcgan-digits"
COMMANDS = ("train", "sample", "evaluate", "inpaint", "translate", "data", "gradcheck", "bench", "lab")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Each flag's help ends with its default, where it has one; descriptions keep their lines."""

    def _get_help_string(self, action):
        text = action.help or ""
        unset = action.default is None or action.default is False or action.default == argparse.SUPPRESS
        if not unset and "default" not in text:
            text += " (default: %(default)s)"
        return text


class Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line on stderr and exit status 2 (no usage dump)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

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
        except (TrainingDiverged, FileNotFoundError) as err:
            raise UserError(str(err), 1) from None
        except (CheckpointError, RunExists, BackendUnavailable, ValueError) as err:   # bad input: status 2
            raise UserError(str(err), 2) from None
        except OSError as err:   # a full disk, a folder one may not write to: said in one line
            where = f"{err.filename}: " if err.filename else ""
            raise UserError(f"{where}{err.strerror or err}", 2) from None
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


def checkpoint_file(text):
    """A checkpoint given as its file or as the run folder holding it (``runs/x`` = ``runs/x/checkpoint.npz``)."""
    import os
    if os.path.isdir(text):
        inside = os.path.join(text, "checkpoint.npz")
        if not os.path.isfile(inside):
            raise argparse.ArgumentTypeError(f"{text} is a folder without a checkpoint.npz in it")
        return inside
    return text


def add_checkpoint(parser):
    parser.add_argument("--checkpoint", required=True, type=checkpoint_file, metavar="PATH",
                        help="a run's checkpoint.npz, or the run folder that holds it")


# -- the parser and main ---------------------------------------------------------------------------
def _command(name):
    """The module of one command (imported on demand, so a problem in one never stops another)."""
    import importlib
    return importlib.import_module(f"{__name__}.{name}")


def build_parser():
    from .. import __version__
    parser = Parser(prog="minigan", description="A from-scratch GAN library you can read. "
                                                "`minigan COMMAND --help` explains each command's flags.")
    parser.add_argument("--version", action="version", version=f"minigan {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")
    for name in COMMANDS:
        _command(name).add_parser(sub)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv:              # a bare `minigan` asks what there is
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    try:
        return _command(args.command).run(args)
    except KeyboardInterrupt:
        return 130
    except UserError as err:
        print(f"minigan {args.command}: error: {err}", file=sys.stderr)
        return err.status
