"""``python -m retroline``: the same as the ``retroline`` command."""

from retroline.cli import main

main()
