"""``python -m web.cli``: the same command line as the ``quy`` script."""

from . import main

main()
