"""``python -m medgen.auth ...`` (see :mod:`medgen.auth.cli`)."""

from medgen.auth.cli import main

main()
