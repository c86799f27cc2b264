"""``python -m minigan.cli``: the same as the ``minigan`` command."""
import sys

from . import main

sys.exit(main())
