"""The README and the guides in docs/ are what a city's team deploys from: what they name
must exist.

Every `parole …` command they show must be a command of the program, with options that
command takes; every configuration key (`section.key`) a setting; every module file they
point to a file of the project; every link between them a file, and a heading of it when the
link names one.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.cli import _parser
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    path.relative_to(ROOT): path.read_text(encoding="utf-8")
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
}
README = "\n".join(PAGES.values())
# Inline code spans and the lines of fenced blocks (```toml ones too): where commands, keys
# and files are named.
SPANS = re.findall(r"`([^`\n]+)`", README) + [
    line
    for block in re.findall(r"```[^\n]*\n(.*?)```", README, re.S)
    for line in block.splitlines()
]


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """A parser's subcommands by name (none: empty)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def options(parser: argparse.ArgumentParser) -> set[str]:
    return {flag for action in parser._actions for flag in action.option_strings}


def commands_shown() -> list[str]:
    """Each `parole …` command the pages show, from the program name on."""
    found = []
    for span in SPANS:
        for match in re.finditer(r"(?:^|\s|bin/)parole (.+)", span):
            found.append(match.group(1))
    return found


def check_command(words: list[str]) -> list[str]:
    """What is wrong with one command line (its words after `parole`)."""
    parser = _parser()
    known = options(parser)
    while words and words[0] == "--config":
        words = words[2:]
    command = subcommands(parser).get(words[0]) if words else None
    if command is None:
        return [f"no command {words[:1]}"]
    known |= options(command)
    nested = subcommands(command)
    if nested:
        # `parole relay add NAME` / `list` / `remove ID`: each action named is one.
        named = [word for word in words[1:] if word in nested]
        if not named:
            return [f"{words[0]}: no action among {words[1:]}"]
        for action in named:
            known |= options(nested[action])
    flags = {word.strip("[]|") for word in words if word.strip("[").startswith("--")}
    return [f"{words[0]}: unknown option {flag}" for flag in sorted(flags - known)]


def test_the_readme_shows_commands():
    shown = commands_shown()
    assert len(shown) >= 15, shown
    assert any(line.startswith("chat") for line in shown)


@pytest.mark.parametrize("line", commands_shown())
def test_every_command_the_readme_shows_is_one_the_program_takes(line: str):
    # Table cells list alternatives with "/" and "|": each part is checked.
    parts = [part.strip() for part in line.replace("\\|", "|").split(" / ")]
    first = parts[0].split()
    problems = check_command(first)
    for part in parts[1:]:
        problems += check_command([first[0], *part.split()])
    assert problems == [], line


FILE_SUFFIXES = {"py", "txt", "html", "csv", "xlsx", "toml", "sqlite3", "png"}


def settings_keys() -> set[str]:
    """Every `section.key` (and `section.sub.key`) of the configuration."""
    keys: set[str] = set()

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            keys.add(prefix + name)
            kind = field.annotation
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                walk(kind, f"{prefix}{name}.")

    walk(Settings, "")
    return keys


def test_every_setting_the_readme_names_exists():
    sections = {name for name in Settings.model_fields}
    named = {
        span
        for span in re.findall(r"`([a-z_]+(?:\.[a-z_]+)+)`", README)
        if span.split(".")[0] in sections and span.rsplit(".", 1)[1] not in FILE_SUFFIXES
    }
    assert len(named) >= 10, named
    assert named - settings_keys() == set()


def test_every_module_the_readme_names_exists():
    files = {path.name for path in ROOT.rglob("*.py") if ".venv" not in path.parts}
    paths = {
        str(path.relative_to(ROOT)) for path in ROOT.rglob("*.py") if ".venv" not in path.parts
    }
    named = set(re.findall(r"`((?:[a-z_]+/)*[a-z_]+\.py)`", README))
    assert len(named) >= 20, named
    missing = {
        name for name in named if name not in files and not any(p.endswith(name) for p in paths)
    }
    assert missing == set()


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as `-`."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_page_is_reached_from_the_readme():
    linked = set(re.findall(r"\]\((docs/[a-z_-]+\.md)", PAGES[Path("README.md")]))
    assert {str(page) for page in PAGES} - {"README.md"} == linked


@pytest.mark.parametrize(
    ("page", "target"),
    [
        (page, target)
        for page, text in PAGES.items()
        for target in re.findall(r"\]\(([^)\s]+)\)", text)
        if not target.startswith(("http://", "https://"))
    ],
)
def test_every_link_between_pages_leads_somewhere(page: Path, target: str):
    name, _, heading = target.partition("#")
    path = (ROOT / page).parent / name if name else ROOT / page
    assert path.is_file(), target
    if heading:
        headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)
        assert heading in {anchor(h) for h in headings}, target
