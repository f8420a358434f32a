"""A consultation drawn as a Mermaid flowchart: documentation that cannot drift from the file."""

from __future__ import annotations

from flows.model import Consultation, Lang

# The chart's own words, in the language of its texts.
_WORDS: dict[Lang, dict[str, str]] = {
    "fr": {"optional": "facultative", "includes": "contient", "otherwise": "sinon"},
    "en": {"optional": "optional", "includes": "includes", "otherwise": "otherwise"},
}

_SHAPES = {
    "info": ("[/", "/]"),
    "single": ("{{", "}}"),
    "multi": ("[[", "]]"),
    "text": ("[", "]"),
    "scale": ("([", "])"),
    "yesno": ("{", "}"),
}


def mermaid(consultation: Consultation, lang: Lang = "fr") -> str:
    """The consultation's steps in order; a conditional step gets a dashed bypass."""
    lines = ["flowchart TD", f'    start(["{_quote(consultation.title.get(lang))}"])']
    previous = "start"
    steps = consultation.steps
    words = _WORDS[lang]
    for index, step in enumerate(steps):
        node = _node(step.id)
        opening, closing = _SHAPES[step.kind]
        label = f"{step.id}: {_quote(step.text.get(lang))}"
        if step.optional:
            label += f" ({words['optional']})"
        lines.append(f'    {node}{opening}"{label}"{closing}')
        if step.show_if is not None:
            condition = step.show_if
            test = "=" if condition.equals is not None else words["includes"]
            lines.append(f'    {previous} -->|"{condition.step} {test} {condition.value}"| {node}')
            following = _node(steps[index + 1].id) if index + 1 < len(steps) else "done"
            lines.append(f"    {previous} -.->|{words['otherwise']}| {following}")
        else:
            lines.append(f"    {previous} --> {node}")
        previous = node
    lines.append(f'    done(["{_quote(consultation.thanks.get(lang).strip().splitlines()[0])}"])')
    lines.append(f"    {previous} --> done")
    return "\n".join(lines) + "\n"


def _node(step_id: str) -> str:
    return "s_" + step_id.replace("-", "_")


def _quote(text: str) -> str:
    """Text safe inside a Mermaid quoted label, cut short to keep the chart readable."""
    flat = " ".join(text.split()).replace('"', "#quot;")
    return flat if len(flat) <= 60 else flat[:57] + "…"
