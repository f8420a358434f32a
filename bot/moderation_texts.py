"""What the bot says to staff about moderation (hiding residents' texts)."""

from __future__ import annotations

from flows.model import Text
from flows.texts import Messages

MESSAGES: dict[str, Text] = {
    "cmd_moderation": Text(
        fr="Modérer les textes des habitants", en="Moderate the residents' texts"
    ),
    "latest": Text(
        fr="✍️ {n:Le dernier texte d'habitant|Les # derniers textes d'habitants, du plus récent "
        "au plus ancien}. « 🙈 Masquer » retire un texte des synthèses et des exports ; la "
        "réponse reste comptée.",
        en="✍️ {n:The latest resident's text|The # latest residents' texts, newest first}. "
        "“🙈 Hide” takes a text out of digests and exports; the answer still counts.",
    ),
    # The latest hidden ones, a page at a time: not how many are hidden in all.
    "latest_hidden": Text(
        fr="🙈 {n:Le dernier texte masqué|Les # derniers textes masqués, du plus récent au plus "
        "ancien}. « 👁 Réafficher » remet un texte dans les synthèses et les exports.",
        en="🙈 {n:The latest hidden text|The # latest hidden texts, newest first}. “👁 Show "
        "again” puts a text back in digests and exports.",
    ),
    "none": Text(fr="Aucun texte d'habitant pour l'instant.", en="No resident's text yet."),
    "none_hidden": Text(fr="Aucun texte masqué.", en="No hidden text."),
    "usage": Text(
        fr="/moderation : les derniers textes\n/moderation masques : les textes masqués",
        en="/moderation: the latest texts\n/moderation masques: the hidden texts",
    ),
    "hidden_since": Text(
        fr="🙈 Masqué le {date} : absent des synthèses et des exports",
        en="🙈 Hidden on {date}: left out of digests and exports",
    ),
    "more": Text(fr="Il y a des textes plus anciens.", en="There are older texts."),
    "older": Text(fr="⬇️ Les {n} suivants", en="⬇️ The next {n}"),
    "no_older": Text(fr="Plus de texte plus ancien pour l'instant.", en="No older text for now."),
    "stale": Text(
        fr="Ce bouton ne marche plus : refaites /moderation.",
        en="This button no longer works: send /moderation again.",
    ),
    "hide": Text(fr="🙈 Masquer", en="🙈 Hide"),
    "show": Text(fr="👁 Réafficher", en="👁 Show again"),
    "done_hidden": Text(fr="Texte masqué", en="Text hidden"),
    "done_shown": Text(fr="Texte réaffiché", en="Text shown again"),
    "rewritten": Text(
        fr="L'habitant a réécrit ce texte entre-temps : rien n'a changé. Le voici tel qu'il est "
        "maintenant.",
        en="The resident has rewritten this text meanwhile: nothing changed. Here it is as it "
        "now stands.",
    ),
    "gone": Text(
        fr="Ce texte n'est plus là : l'habitant l'a changé ou effacé.",
        en="This text is gone: the resident changed or erased it.",
    ),
}


say = Messages(MESSAGES).say
