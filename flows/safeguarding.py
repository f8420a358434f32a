"""Spotting a personal disclosure of violence or danger in free text, and the helplines to give.

The rule: a text is flagged when it says that *the writer* (or their child) is hurt, threatened
or in danger — a victim construction such as "il me frappe", "j'ai été agressée", "mon mari me
bat", "je veux mourir", "au secours" — or that someone is hurt by a person close to them ("son
mari la frappe", "il bat ses enfants"): what a relay types for the person they accompany, and
what a witness writes; the 3919 and the 119 take witnesses' calls too. A topic is not a
disclosure: "la violence des rodéos", "les violences intrafamiliales sont un problème" or
"prévenir le suicide des jeunes" describe the neighbourhood, which is what the consultation
asks for, and are not flagged. So is fear of
the neighbourhood ("on a peur de sortir le soir à cause du trafic"), and so is not wanting to
live *somewhere* ("je ne veux plus vivre ici"); fear of a person close to the writer ("j'ai peur
de mon mari") is a disclosure. When in doubt between the two, the patterns lean towards
flagging: a helpline message sent for nothing costs little, a missed one costs a lot.

Matching is done on a folded text (lower case, no accents, apostrophes as spaces, letters
repeated three times or more cut to two), so "Il m’a frappée", "il m a frapee" and
"IL MA FRAPPÉÉÉ" all match. The text itself is stored as the resident wrote it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum

from flows.model import Lang
from flows.state import Answer
from flows.typography import french_spacing


class Category(StrEnum):
    """Kinds of disclosure; each one adds the helpline that fits it."""

    DANGER = "danger"  # immediate danger or a threat
    DOMESTIC = "domestic"  # violence by a partner or in the home
    SEXUAL = "sexual"
    CHILD = "child"  # a child hurt, or the writer is a child hurt at home
    SELF_HARM = "self_harm"


# Blows given or taken ("il m'a donné des coups", "je prends des claques"); never a helping
# "coup de main", "coup de pouce" or a "coup de fil".
_BLOWS = (
    r"(?:coups\b(?! de (?:main|pouce|fil|coeur|soleil|telephone|chance|pression))"
    r"|coup de (?:poing|pied|couteau|tete|ceinture|batte|boule)"
    r"|claques?|gifles?|baffes?|beignes?|raclees?|torgnoles?)"
)
# Verb stems of violence done to someone, misspellings included (frape, batu, agrese…).
_HURT = (
    r"(?:frapp?\w*|bat\b|bats\b|batt?ue?s?\b|batt?ai\w*|battent\b|battr(?:a|ai|o)\w*"
    r"|battre\b(?! pour| contre| ensemble)|cogn\w*|gifl\w*|tabass?\w*"
    r"|etrangl\w*|brutalis\w*|agress?\w*|violente?\w*|viol\b|violee?s?\b|violer\w*|menac\w*"
    r"|harc[eè]l\w*|maltrait\w*|tape\b|tapee?s?\b|tapp?e\w*|bless\w*|torture?\w*|enferm\w*"
    r"|attouch\w*|touche\w* (?:la|les|mon|ma|mes) (?:sexe|seins?|fesses?|parties)"
    rf"|(?:donn\w*|met|mets|mettai\w*|mettent|mis|mise|fil\w*|fout\w*|colle\w*|envoy\w*)"
    rf" (?:des|un|une|plein de) {_BLOWS}"
    r"|hit\w*|beat\w*|hurt\w*|rap(?:e|ed)\b|abus\w*|threat\w*|attack\w*|assault\w*"
    r"|harass\w*|molest\w*|mugg\w*|stabb\w*|strangl\w*|chok(?:e|ed)\b)"
)
_SEXUAL = re.compile(
    r"\b(?:viol\b|violee?s?\b|violer\w*|agress\w* sexuel\w*|attouch\w*|abus\w* sexuel\w*"
    r"|touche\w* (?:la|les|mon|ma|mes) (?:sexe|seins?|fesses?|parties)|inceste"
    r"|rap(?:e|es|ed|ing)\b|molest\w*|sexual\w*)"
)
_AUX = r"(?:a|ont|avait|avaient|va|vont|veut|veulent|a encore|continue de|n arrete pas de)"
_ME = r"(?:me|m|moi|nous|mon fils|ma fille|mon enfant|mes enfants|my (?:son|daughter|kids?|child))"
_MY_CHILD = r"(?:ma fille|mon fils|mon enfant|mes enfants|mon bebe)"
# People close enough that fearing them, or their being violent, is personal.
_CLOSE = (
    r"(?:(?:mon|ma|mes) (?:mari|femme|conjointe?|compagnon|compagne|copain|copine|concubine?"
    r"|ex|pere|mere|beau pere|belle mere|parents|papa|maman|frere|soeur|voisine?s?)"
    r"|my (?:husband|wife|boyfriend|girlfriend|partner|ex|father|mother|dad|mum|mom"
    r"|step ?(?:father|mother|dad|mum|mom)|parents|brother|sister|neighbou?rs?))\b"
)
# Someone else's close people ("son mari", "leurs enfants"), for violence at home told by a
# relay or a witness; "leur femme" is left out, being mostly general ("ceux qui battent leur
# femme"), and so is "son copain", mostly a friend.
_THEIR_PARTNER = r"(?:son|sa) (?:mari|femme|conjointe?|compagnon|compagne|concubine?|ex)"
_THEIR_PARENT = r"(?:son|sa|leur|ses|leurs) (?:pere|mere|beau pere|belle mere|parents|papa|maman)"
_THEIR_CHILD = r"(?:son|sa|ses|leur|leurs) (?:fils|fille|enfants?|bebe|gosses?|petits?)"
_THEIR_CLOSE = rf"(?:{_THEIR_PARTNER}|{_THEIR_PARENT})"
# English verbs done to someone, every tense ("he hits me", "he raped me", "he's beating us");
# not "kicked me out".
_EN_HURT = (
    r"(?:hit|hits|hitting|beat|beats|beating|beaten|hurt|hurts|hurting|rape|rapes|raped|raping"
    r"|threaten|threatens|threatened|threatening|abuse|abuses|abused|abusing|attack|attacks"
    r"|attacked|assault|assaults|assaulted|punch|punches|punched|slap|slaps|slapped|kick|kicks"
    r"|kicked|kicking|choke|chokes|choked|strangle|strangles|strangled|molest|molests|molested"
    r"|harass|harasses|harassed|harassing|stalk|stalks|stalked)"
)
_VICTIM = [
    # "il me frappe", "il m a frappee", "ils nous menacent", "il ma frappe" (apostrophe lost),
    # "il m a donne des coups", "il m a encore frappee"
    rf"\b{_ME} (?:{_AUX} )?{_HURT}",
    rf"\bm ?a (?:(?:encore|deja|souvent|toujours|plusieurs fois) )?{_HURT}",
    # "mon fils a ete frappe", "le voisin frappe ma fille", "il donne des coups a mon fils"
    rf"\b{_ME} (?:a|ont|avait) ete (?:\w+ )?{_HURT}",
    rf"\b{_HURT} {_MY_CHILD}\b",
    rf"\b{_BLOWS} (?:a )?{_MY_CHILD}\b",
    # "j ai ete frappee", "je suis battue", "je me suis fait agresser", "je me fais harceler"
    rf"\b(?:j ai ete|je suis|j etais|je me suis fait|je me fais|on m a) (?:\w+ )?{_HURT}",
    r"\bje suis une? (?:femme|fille|enfant|homme|garcon) (?:battue?|maltraitee?|violentee?)\b",
    # "je prends des coups", "j ai recu une gifle"
    rf"\bj(?:e| ai| avais) (?:recois|recevais|prends|prend|prenais|recu|pris) "
    rf"(?:des|un|une|plein de) {_BLOWS}",
    # "il a leve la main sur moi", "il m a fait du mal", "elle nous fait mal"
    rf"\bleve la main sur (?:moi|nous|{_MY_CHILD})\b",
    r"\b(?:il|elle|ils|elles) (?:me|nous|m a|m ont|m avait|nous a|nous ont) "
    r"(?:fait|font|faisait|faisaient) (?:du )?mal\b",
    # "mon mari est violent (avec moi)", "il est brutal avec nous", "my dad is violent"
    rf"\b{_CLOSE} (?:est|etait|sont|etaient|devient|deviennent|est devenue?|peut etre|a ete"
    r"|is|was|are|were|gets|got|becomes|became|has been|can be) (?:\w+ )?"
    r"(?:violente?s?|brutale?s?|brutaux)\b",
    rf"\b(?:violente?s?|brutale?s?|brutaux) (?:avec|envers|contre) (?:moi|nous|{_MY_CHILD})\b",
    r"\bviolent (?:with|towards?|to) (?:me|us|my (?:son|daughter|kids?|child|children))\b",
    # "j ai peur de mon mari", "mon pere me fait peur", "I am scared of my husband"
    rf"\bj (?:ai|avais) (?:(?:tres|trop|tellement|si|vraiment) )?peur (?:de|d) {_CLOSE}",
    rf"\b{_CLOSE} (?:me|nous|m a|m ont) (?:fait|font|faisait|faisaient) (?:tres |trop )?peur\b",
    rf"\bi (?:am|m|was|feel|felt) (?:\w+ )?(?:afraid|scared|frightened|terrified) of {_CLOSE}",
    rf"\b{_CLOSE} (?:scares|frightens|terrifies|scared|frightened|terrified) (?:me|us)\b",
    # "I have been raped", "he raped me", "I get beaten at home", "my husband beats me"
    rf"\b{_EN_HURT} (?:me|us|my (?:son|daughter|kids?|child|children|baby))\b(?! out)",
    rf"\bi (?:was|am|m|have been|ve been|got|get|keep getting) (?:\w+ )?{_HURT}",
    # Told of someone else: "son mari la frappe", "son pere l a battue", "il bat sa femme",
    # "elle est battue par son mari", "her husband beats her", "he hits his kids"
    rf"\b{_THEIR_CLOSE} (?:la|le|les|l|lui|leur)(?: a| ont| avait)? (?:{_AUX} )?{_HURT}",
    rf"\b{_HURT} (?:{_THEIR_PARTNER}|{_THEIR_CHILD})\b",
    rf"\b(?:battue?s?|frappee?s?|violentee?s?|maltraitee?s?|menacee?s?) par {_THEIR_CLOSE}\b",
    rf"\b(?:her|his|their) (?:husband|wife|boyfriend|girlfriend|partner|ex|father|mother|dad"
    rf"|mum|mom|step ?(?:father|mother|dad|mum|mom)|parents) {_EN_HURT} (?:her|him|them)\b",
    rf"\b{_EN_HURT} (?:his|her|their) (?:wife|husband|girlfriend|boyfriend|partner|kids?"
    r"|children|son|daughter|baby)\b",
    # "je subis des violences", "victime de viol", "je vis des violences conjugales"
    r"\b(?:je subis|je vis|je suis victime|j ai ete victime|victime de)\b.{0,40}"
    r"\b(?:violences?|viol|coups|harcelement|inceste|maltraitance|agression)",
]
_DANGER = [
    r"\bau secours\b",
    r"\baidez ?moi\b",
    r"\b(?:je suis|nous sommes|on est) en danger\b",
    r"\bj ai peur (?:pour ma vie|qu il me tue|qu elle me tue|de mourir|de rentrer)",
    r"\b\w+ (?:va|veut|vont|veulent|menace de|a menace de|m a menace de|a essaye de|a voulu) "
    r"(?:me|nous) tuer\b",
    r"\bmenaces? de mort\b",
    # A threat quoted as it was made, to "you" ("il m'a dit : je vais te tuer", a forwarded
    # "si tu parles je te tue").
    r"\b(?:je|on|il|ils|elle|elles|nous) (?:vais|va|vont|veux|veut|veulent|allons) te "
    r"(?:tuer|buter|crever|egorger|planter)\b",
    r"\bje (?:te|t) (?:tue|bute|creve|egorge|plante)\b",
    r"\b(?:i ll|i will|i m going to|i am going to|gonna) kill you\b",
    r"\b(?:help me|i am in danger|i m in danger|we are in danger|we re in danger)\b",
    r"\b(?:going|gonna|wants?|wanted|tried|trying|threaten\w*) to kill (?:me|us)\b",
    r"\b(?:will|ll) kill (?:me|us)\b",
]
# Not wanting to live *somewhere* ("je ne veux plus vivre ici") is about the neighbourhood.
_NOT_A_PLACE = (
    r"(?! (?:ici|la|dans|au|aux|en|a cote|pres|chez|avec|sous|parmi"
    r"|here|there|in|on|near|with)\b)"
)
_SELF_HARM = [
    r"\bme (?:suicid|suisid|sucid)\w*",
    r"\bje (?:vais|veux|voudrais|pense a|pense) (?:me tuer|mourir|en finir|me suicider|me pendre"
    r"|disparaitre|me foutre en l air)",
    r"\b(?:envie|besoin) d(?:e)? (?:mourir|me tuer|en finir|disparaitre)\b",
    r"\bmettre fin a (?:mes jours|ma vie)\b",
    rf"\bplus (?:envie|la force) de vivre\b{_NOT_A_PLACE}",
    rf"\bje (?:ne )?(?:veux|voudrais|peux) plus vivre\b{_NOT_A_PLACE}",
    rf"\bj en ai (?:vraiment |tellement )?marre de vivre\b{_NOT_A_PLACE}",
    r"\bplus (?:de |le )?gout a la vie\b",
    r"\bje (?:me fais|me suis fait|veux me faire) du mal\b",
    r"\bje me (?:scarifi|coupe)\w*",
    r"\bidees? (?:noires|suicidaires)\b",
    r"\b(?:kill myself|end my life|end it all|want to die|suicidal|hurt myself|better off dead)\b",
    rf"\b(?:don t|dont|do not) want to (?:live|be alive)\b{_NOT_A_PLACE}",
]
_PARTNER = re.compile(
    r"\b(?:mon|ma|mes) (?:mari|copain|conjointe?|compagnon|ex|femme|compagne|copine|concubine?)\b"
    rf"|\b{_THEIR_PARTNER}\b"
    r"|\bconjugal\w*|\b(?:my|his|her|their) (?:husband|wife|boyfriend|girlfriend|partner|ex)\b"
)
_CHILD = re.compile(
    r"\b(?:mon|ma|mes) (?:pere|mere|parents?|beau pere|belle mere|papa|maman|fils|fille"
    r"|enfants?|bebe)\b|\b(?:ma|notre) famille\b"
    rf"|\b{_THEIR_PARENT}\b|\b{_THEIR_CHILD}\b"
    r"|\b(?:my|his|her|their) (?:father|mother|dad|mum|mom|step ?(?:father|mother|dad|mum|mom)"
    r"|parents|son|daughter|kids?|children|baby)\b|\benfant\w* battu"
)
_HOME = re.compile(r"\b(?:a la maison|chez moi|chez nous|at home)\b")

_VICTIM_RE = re.compile("|".join(_VICTIM))
_DANGER_RE = re.compile("|".join(_DANGER))
_SELF_HARM_RE = re.compile("|".join(_SELF_HARM))


def fold(text: str) -> str:
    """Lower case, accents and apostrophes removed, runs of a letter cut to two."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"[’'`´ʼ\-_]", " ", plain)
    plain = re.sub(r"(\w)\1{2,}", r"\1\1", plain)
    return re.sub(r"\s+", " ", plain).strip()


def detect(text: str) -> frozenset[Category]:
    """The kinds of personal disclosure in `text` (empty when there is none)."""
    folded = fold(text)
    found: set[Category] = set()
    if _SELF_HARM_RE.search(folded):
        found.add(Category.SELF_HARM)
    if _DANGER_RE.search(folded):
        found.add(Category.DANGER)
    if _VICTIM_RE.search(folded):
        found.add(Category.DANGER)
        if _SEXUAL.search(folded):
            found.add(Category.SEXUAL)
        if _PARTNER.search(folded) or _HOME.search(folded):
            found.add(Category.DOMESTIC)
        if _CHILD.search(folded):
            found.add(Category.CHILD)
    return frozenset(found)


def disclosures(answers: Mapping[str, Answer]) -> dict[str, frozenset[Category]]:
    """The answers whose text (a free text, an "Autre" text) discloses something, and what.

    For texts that reach storage without being typed to the bot (paper questionnaires): each
    one gets its flags as a typed answer would, so digests and exports never quote it.
    """
    found: dict[str, frozenset[Category]] = {}
    for step_id, answer in answers.items():
        categories = detect(answer.text) if answer.text else frozenset()
        if categories:
            found[step_id] = categories
    return found


_LINES: dict[Category, dict[Lang, str]] = {
    Category.DOMESTIC: {
        "fr": "• Violences conjugales ou dans la famille : 3919 (gratuit, anonyme, 24 h/24).",
        "en": "• Domestic violence: 3919 (free, anonymous, 24/7, in French).",
    },
    Category.SEXUAL: {
        "fr": "• Violences sexuelles : 3919, ou le 17 pour porter plainte.",
        "en": "• Sexual violence: 3919, or 17 to report it to the police.",
    },
    Category.CHILD: {
        "fr": "• Enfance en danger : 119 (gratuit, 24 h/24, n'apparaît pas sur les factures).",
        "en": "• Child in danger: 119 (free, 24/7, does not show on phone bills).",
    },
    Category.SELF_HARM: {
        "fr": "• Idées suicidaires, envie d'en finir : 3114 (gratuit, 24 h/24).",
        "en": "• Suicidal thoughts: 3114 (free, 24/7).",
    },
}
_HEAD: dict[Lang, str] = {
    "fr": "💛 Merci de nous l'avoir écrit. Vous pouvez être aidé·e, tout de suite :\n"
    "• En danger immédiat : appelez le 17 (police) ou le 112.\n"
    "• Si vous ne pouvez pas parler : envoyez un SMS au 114.",
    "en": "💛 Thank you for telling us. You can get help right now:\n"
    "• In immediate danger: call 17 (police) or 112.\n"
    "• If you cannot speak: send a text message to 114.",
}
# Sent whatever became of the text (stored as an answer, refused as too long, typed before
# consenting, so not kept): it says nothing about keeping it.
_TAIL: dict[Lang, str] = {
    "fr": "Ce bot n'est pas surveillé en temps réel : personne ne lira votre message tout "
    "de suite. Pour être aidé·e maintenant, contactez l'un de ces numéros.",
    "en": "This bot is not watched in real time: nobody will read your message right away. "
    "To get help now, contact one of these numbers.",
}
# A relay types what the person they accompany says: the message is for the relay to pass on.
_RELAYED_HEAD: dict[Lang, str] = {
    "fr": "💛 Ce que la personne vous a confié montre qu'elle peut avoir besoin d'aide. "
    "Donnez-lui ces numéros :\n"
    "• En danger immédiat : le 17 (police) ou le 112.\n"
    "• Si elle ne peut pas parler : un SMS au 114.",
    "en": "💛 What the person told you shows they may need help. Give them these numbers:\n"
    "• In immediate danger: 17 (police) or 112.\n"
    "• If they cannot speak: a text message to 114.",
}
_RELAYED_TAIL: dict[Lang, str] = {
    "fr": "Ce bot n'est pas surveillé en temps réel : personne ne lira ce message tout de "
    "suite. Si la personne est en danger, aidez-la à appeler l'un de ces numéros.",
    "en": "This bot is not watched in real time: nobody will read this message right away. "
    "If the person is in danger, help them call one of these numbers.",
}
# Said to the person themself only (after the 3114 line).
_NOT_ALONE: dict[Lang, str] = {"fr": "Vous n'êtes pas seul·e.", "en": "You are not alone."}
_ORDER = (Category.SELF_HARM, Category.CHILD, Category.DOMESTIC, Category.SEXUAL)


def helplines(categories: frozenset[Category], lang: Lang, *, relayed: bool = False) -> str:
    """The helpline message for a disclosure: the emergency numbers, then those that fit.

    Danger alone (a threat from a neighbour, an assault in the street) gets the emergency
    numbers only: each other line is for its own category. `relayed`: written by a relay for
    someone else, so addressed to the relay, who passes the numbers on.
    """
    head, tail = (_RELAYED_HEAD, _RELAYED_TAIL) if relayed else (_HEAD, _TAIL)
    lines = [head[lang]]
    for category in _ORDER:
        if category in categories:
            line = _LINES[category][lang]
            if category is Category.SELF_HARM and not relayed:
                line = f"{line} {_NOT_ALONE[lang]}"
            lines.append(line)
    text = "\n".join(lines) + "\n\n" + tail[lang]
    return french_spacing(text) if lang == "fr" else text
