"""`parole --help` in French first: argparse's own words (usage, options, the help option,
its error line) said in French and in English, for every command and subcommand."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, Final, NoReturn

# argparse's own error messages (Python 3.11 to 3.13), whole, in French.
_ERRORS: Final = tuple(
    (re.compile(pattern), french)
    for pattern, french in (
        (r"the following arguments are required: (.+)", r"il manque : \1"),
        (r"one of the arguments (.+) is required", r"donnez l'un de ces arguments : \1"),
        (r"unrecognized arguments: (.+)", r"arguments inconnus : \1"),
        (
            r"argument (.+?): invalid choice: (.+?) \(choose from (.+)\)",
            r"argument \1 : \2 n'est pas un choix possible (au choix : \3)",
        ),
        (
            r"argument (.+?): invalid int value: (.+)",
            r"argument \1 : \2 n'est pas un nombre entier",
        ),
        (r"argument (.+?): expected one argument", r"argument \1 : il manque sa valeur"),
        (
            r"argument (.+?): not allowed with argument (.+)",
            r"argument \1 : pas avec l'argument \2",
        ),
        (r"argument (.+?): ignored explicit argument (.+)", r"argument \1 : valeur en trop \2"),
    )
)


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
        """A mistake in the command line: the usage, then what was wrong (in French, then
        English, when argparse's words are known here), and where to look."""
        self.print_usage(sys.stderr)
        said = f"erreur / error: {message}"
        for pattern, french in _ERRORS:
            found = pattern.fullmatch(message)
            if found is not None:
                said = f"erreur : {found.expand(french)} / error: {message}"
                break
        self.exit(2, f"{self.prog} : {said}\n(aide / help : {self.prog} --help)\n")
