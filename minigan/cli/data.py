"""``minigan data``: where each data set is and whether its checksums match; ``minigan data add``
checks a copy of MNIST or Fashion-MNIST and files it in the cache, where everything finds it."""
from . import Parser, UserError, friendly


def add_parser(sub):
    d = sub.add_parser("data", help="list the data sets, where they are and whether they are intact; add one",
                       description="Without an action: list every data set minigan knows, where it was found "
                                   "(or where it would be looked for) and whether its checksums match. "
                                   "`minigan data add mnist DIR` checks the files in DIR and copies them into "
                                   "the cache, where `minigan train`, the chapters and notebooks find them "
                                   "without --data-dir or environment variables.")
    d.add_argument("--data-dir", metavar="DIR", help="also look in DIR first, as `minigan train --data-dir` would")
    actions = d.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser,
                               help="add (check a data set's files and copy them into the cache); "
                                    "left out: list the data sets")
    a = actions.add_parser("add", help="check MNIST's or Fashion-MNIST's files in DIR and copy them into the cache",
                           description="Check every file of MNIST or Fashion-MNIST in DIR (the published "
                                       "checksums, and MD5SUMS / SHA256SUMS where DIR has them) and copy them "
                                       "into the cache; nothing is copied unless every file is intact.")
    a.add_argument("name", choices=("mnist", "fashion-mnist"), help="which data set")
    a.add_argument("dir", metavar="DIR", help="the folder holding its files (.gz or unpacked)")


@friendly
def run(args):
    from ..data import catalog
    if args.action == "add":
        if args.data_dir:
            raise UserError("--data-dir goes with the listing, not with add", 2)
        catalog.add(args.name, args.dir)
        return 0
    print(catalog.format_status(catalog.status(args.data_dir)))
    return 0
