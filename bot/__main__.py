"""`python -m bot` runs the `parole` command line."""

from bot.cli import main

raise SystemExit(main())
