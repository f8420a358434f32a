"""`parole --help` in French first: argparse's own words (usage, options, the help option,
its error line) said in French and in English, for every command and subcommand."""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn


class HelpFormatter(argparse.HelpFormatter):
    """argparse's layout, with "usage" in French and English."""

    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        """The usage line, named in both languages."""
        if prefix is None:
            prefix = "utilisation / usage : "
        super().add_usage(usage, actions, groups, prefix)


class Parser(argparse.ArgumentParser):
    """An argument parser whose own texts are French first; its subcommands are alike
    (argparse makes them of the parser's class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """As argparse's, with the help option and the headings in both languages."""
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        self.add_argument(
            "-h",
            "--help",
            action="help",
            default=argparse.SUPPRESS,
            help="afficher cette aide / show this help",
        )

    def error(self, message: str) -> NoReturn:
        """A mistake in the command line: the usage, then what was wrong, and where to look."""
        self.print_usage(sys.stderr)
        self.exit(
            2,
            f"{self.prog} : erreur / error: {message}\n(aide / help : {self.prog} --help)\n",
        )
