"""Parse Telegram's parse_mode=HTML strictly and enforce text length limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.fakebotapi.spec import ApiError, bad_request

MESSAGE_MAX_LENGTH = 4096
CAPTION_MAX_LENGTH = 1024

_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
# Attributes each tag accepts; Telegram ignores unknown ones, the fake refuses them to
# catch typos such as <a hfer=...>.
_ATTRIBUTES = {
    "a": {"href"},
    "span": {"class"},
    "code": {"class"},
    "tg-emoji": {"emoji-id"},
    "blockquote": {"expandable"},
}
_REQUIRED_ATTRIBUTE = {"a": "href", "span": "class", "tg-emoji": "emoji-id"}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|([a-zA-Z][a-zA-Z0-9]*));")
_SPECIAL = re.compile(r"[<&>]")
_TAG_NAME = re.compile(r"[^\s>]*")
_ATTRIBUTE = re.compile(
    r"""\s+([^\s=>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([\w.-]+)))?""",
)


def utf16_len(text: str) -> int:
    """Length of a string in UTF-16 code units, the unit of Telegram's limits and offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class ParsedText:
    """Visible text after parsing, with its MessageEntity dicts (UTF-16 offsets)."""

    text: str
    entities: tuple[dict[str, Any], ...] = ()


@dataclass
class _Open:
    tag: str
    attributes: dict[str, str]
    offset: int
    language: str | None = None


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.text: list[str] = []
        self.length = 0  # UTF-16 length of self.text
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def error(self, detail: str, at: int | None = None) -> ApiError:
        if at is not None:
            detail += f" at byte offset {len(self.source[:at].encode())}"
        return bad_request(f"can't parse entities: {detail}")

    def emit(self, chunk: str) -> None:
        self.text.append(chunk)
        self.length += utf16_len(chunk)

    def parse(self) -> ParsedText:
        source = self.source
        while self.pos < len(source):
            char = source[self.pos]
            if char == "<":
                self.tag()
            elif char == "&":
                self.emit(self.entity(self.pos))
            elif char == ">":
                raise self.error('Character ">" must be escaped as "&gt;"', self.pos)
            else:
                special = _SPECIAL.search(source, self.pos)
                end = special.start() if special else len(source)
                self.emit(source[self.pos : end])
                self.pos = end
        if self.stack:
            tag = self.stack[-1].tag
            raise self.error(f'Can\'t find end tag corresponding to start tag "{tag}"')
        return _strip("".join(self.text), self.entities)

    def entity(self, at: int) -> str:
        """Decode the entity at `at`, advancing past it."""
        match = _ENTITY.match(self.source, at)
        if match is None:
            raise self.error('Character "&" must be escaped as "&amp;"', at)
        self.pos = match.end()
        return self.entity_value(match, at)

    def entity_value(self, match: re.Match[str], at: int) -> str:
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            if name not in _NAMED_ENTITIES:
                raise self.error(f'Unsupported HTML entity "&{name};"', at)
            return _NAMED_ENTITIES[name]
        code = int(decimal) if decimal is not None else int(hexadecimal, 16)
        if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise self.error(f'Invalid numeric HTML entity "{match.group()}"', at)
        return chr(code)

    def tag(self) -> None:
        start = self.pos
        if self.source.startswith("</", start):
            close = self.source.find(">", start)
            if close < 0:
                raise self.error("Unclosed end tag", start)
            self.end_tag(start, self.source[start + 2 : close].strip().lower())
        else:
            close = self.start_tag(start)
        self.pos = close + 1

    def start_tag(self, start: int) -> int:
        """Open the tag at `start`; return the position of its closing ">"."""
        name = _TAG_NAME.match(self.source, start + 1)
        assert name is not None  # The pattern matches the empty string.
        tag = name.group().lower()
        if tag not in _ENTITY_TYPES:
            raise self.error(f'Unsupported start tag "{tag}"', start)
        close = self.source.find(">", name.end())
        if close < 0:
            raise self.error("Unclosed start tag", start)
        attributes = self.attributes(tag, self.source[name.end() : close], start)
        missing = _REQUIRED_ATTRIBUTE.get(tag)
        if missing and missing not in attributes:
            raise self.error(f'Tag "{tag}" must have attribute "{missing}"', start)
        if tag == "span" and attributes["class"] != "tg-spoiler":
            raise self.error('Tag "span" must have class "tg-spoiler"', start)
        if tag == "code" and not attributes.get("class", "language-").startswith("language-"):
            raise self.error('Tag "code" accepts only class "language-…"', start)
        self.stack.append(_Open(tag, attributes, self.length))
        return close

    def attributes(self, tag: str, text: str, start: int) -> dict[str, str]:
        attributes: dict[str, str] = {}
        pos = 0
        while text[pos:].strip():
            match = _ATTRIBUTE.match(text, pos)
            if match is None:
                raise self.error(f'Malformed attributes in tag "{tag}"', start)
            name = match.group(1).lower()
            if name not in _ATTRIBUTES.get(tag, set()):
                raise self.error(f'Unsupported attribute "{name}" in tag "{tag}"', start)
            raw = next((g for g in match.groups()[1:] if g is not None), None)
            if raw is None and name != "expandable":
                raise self.error(f'Expected equal sign after attribute "{name}"', start)
            attributes[name] = self.decode_attribute(raw or "", start)
            pos = match.end()
        return attributes

    def decode_attribute(self, raw: str, start: int) -> str:
        decoded = []
        pos = 0
        while (amp := raw.find("&", pos)) >= 0:
            decoded.append(raw[pos:amp])
            match = _ENTITY.match(raw, amp)
            if match is None:
                raise self.error('Character "&" must be escaped as "&amp;"', start)
            decoded.append(self.entity_value(match, start))
            pos = match.end()
        decoded.append(raw[pos:])
        return "".join(decoded)

    def end_tag(self, start: int, tag: str) -> None:
        if not self.stack:
            raise self.error("Unexpected end tag", start)
        opened = self.stack.pop()
        if tag != opened.tag:
            offset = len(self.source[:start].encode())
            raise self.error(
                f"Unmatched end tag at byte offset {offset}, "
                f'expected "</{opened.tag}>", found "</{tag}>"'
            )
        if tag == "code" and self.stack and self.stack[-1].tag == "pre":
            # <pre><code class="language-x"> is one pre entity with a language.
            self.stack[-1].language = opened.attributes.get("class", "").removeprefix("language-")
            return
        self.add_entity(opened)

    def add_entity(self, opened: _Open) -> None:
        length = self.length - opened.offset
        if length == 0:
            return
        entity: dict[str, Any] = {
            "type": _ENTITY_TYPES[opened.tag],
            "offset": opened.offset,
            "length": length,
        }
        if opened.tag == "a":
            entity["url"] = opened.attributes["href"]
        elif opened.tag == "tg-emoji":
            entity["custom_emoji_id"] = opened.attributes["emoji-id"]
        elif opened.tag == "blockquote" and "expandable" in opened.attributes:
            entity["type"] = "expandable_blockquote"
        elif opened.tag == "pre" and opened.language:
            entity["language"] = opened.language
        self.entities.append(entity)


def _strip(text: str, entities: list[dict[str, Any]]) -> ParsedText:
    """Trim surrounding whitespace like Telegram, shifting and clipping entities."""
    stripped = text.strip()
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText(stripped, tuple(kept))


def parse_html(source: str) -> ParsedText:
    """Parse parse_mode=HTML text as Telegram does (stricter on unescaped <, >, &)."""
    return _Parser(source).parse()


def parse_text(text: str, parse_mode: str | None) -> ParsedText:
    """Visible text and entities for a text or caption sent with `parse_mode`."""
    if parse_mode is None or parse_mode == "":
        return ParsedText(text.strip())
    if parse_mode.lower() != "html":
        raise bad_request(f"unsupported parse_mode {parse_mode!r} (the fake validates HTML only)")
    return parse_html(text)


def check_message_text(text: str, parse_mode: str | None) -> ParsedText:
    """Parse a sendMessage/editMessageText text, enforcing Telegram's 1-4096 limit."""
    parsed = parse_text(text, parse_mode)
    if not parsed.text:
        raise bad_request("message text is empty")
    if utf16_len(parsed.text) > MESSAGE_MAX_LENGTH:
        raise bad_request("message is too long")
    return parsed


def check_caption(caption: str, parse_mode: str | None) -> ParsedText:
    """Parse a media caption, enforcing Telegram's 1024 limit."""
    parsed = parse_text(caption, parse_mode)
    if utf16_len(parsed.text) > CAPTION_MAX_LENGTH:
        raise bad_request("message caption is too long")
    return parsed
