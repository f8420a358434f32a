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
de mon mari") is a disclosure. Having nowhere to sleep tonight ("je dors dans la rue avec
mes enfants") is one too, given the 115. A parent hurt by their own son, daughter or
grandchild ("mon fils me frappe") is violence in the family, not a child in danger, and
mistreatment the 3977 takes; so is an older or disabled person hurt, threatened or robbed
("je suis âgée et mon voisin me menace", "l'aide à domicile me vole"), told by them or by a
witness. Older people and disability as topics ("il faut plus de places en EHPAD") are not
disclosures. When in doubt between the two, the patterns lean towards flagging: a helpline
message sent for nothing costs little, a missed one costs a lot. Idioms that borrow violent
words are not disclosures: "ça m'a frappé", "mourir de rire", "ça me tape sur les nerfs", "on
se bat pour une crèche", "mon fils me bat aux cartes".

Matching is done on a folded text (lower case, no accents, apostrophes and emoji as spaces,
letters repeated three times or more cut to two, SMS spellings written out), so "Il m’a
frappée", "il ma frapee", "IL MA FRAPPÉÉÉ", "il me 😡 frappe" and "jme fait taper" all
match. The text itself is stored as the resident wrote it.
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
    SHELTER = "shelter"  # the writer has nowhere to sleep
    ELDER = "elder"  # an older or disabled person mistreated, or a parent hurt by their child


# Every pattern below is compiled once, at import, and is linear by construction: no
# quantifier nests over alternatives that overlap; the widest are an optional word
# "(?:\w+ )?", a word's end "\w*" and a bounded ".{0,40}?". detect() runs on every typed text,
# so a lookbehind comes after "\b(?=m)" (the word's first letter): tried at every position, it
# made matching several times slower.

# Blows given or taken ("il m'a donné des coups", "je prends des claques"); never a helping
# "coup de main", "coup de pouce" or a "coup de fil".
_BLOWS = (
    r"(?:coups\b(?! de (?:main|pouce|fil|coeur|soleil|telephone|chance|pression))"
    r"|coup de (?:poing|pied|couteau|tete|ceinture|batte|boule)"
    r"|claques?|gifles?|baffes?|beignes?|raclees?|torgnoles?)"
)
# Verb stems of violence done to someone, misspellings included (frape, batu, agrese,
# menasse, arceler, tabase…); "taper sur les nerfs" is no blow.
_HURT = (
    r"(?:frapp?\w*|bat\b|bats\b|batt?ue?s?\b|batt?ai\w*|battent\b|battr(?:a|ai|o)\w*"
    r"|battre\b(?! pour| contre| ensemble)|cogn\w*|gif?fl\w*|tabass?\w*"
    r"|tord\w* (?:le|les|la) (?:bras|poignet|doigts?|cou)|etrangl\w*|brutalis\w*|agress?\w*"
    r"|violente?\w*|viol\b|violee?s?\b|violer\w*"
    r"|mena(?:c|ss)\w*\b(?! (?:de|d) (?:augmenter|expulsion|expulser|nous expulser|m expulser"
    r"|fermer|fermeture|couper|coupure|supprimer|poursuites|amende|sanctions)\b)"
    r"|h?arc[eè]l\w*|h?arsel\w*|maltrait\w*|enferm\w*|bless\w*|torture?\w*"
    r"|tapp?e\w*\b(?! sur (?:les|le) (?:nerfs|systeme))|crach\w*|serr\w* (?:le|la) (?:cou|gorge)"
    r"|pouss\w*\b(?! (?:a|au|vers|pour)\b)"
    r"|rac?kett?\w*|raquett\w*|depouill\w*|braqu\w*"
    r"|attouch\w*|touche\w* (?:la|les|mon|ma|mes) (?:sexe|seins?|fesses?|parties)"
    rf"|(?:donn\w*|met|mets|mettai\w*|mettent|mis|mise|fil\w*|fout\w*|colle\w*|envoy\w*)"
    rf" (?:des|un|une|plein de) {_BLOWS}"
    r"|hit\w*|beat\w*|hurt\w*|rap(?:e|ed)\b|abus\w*|threat\w*|attack\w*|assault\w*"
    r"|harass\w*|molest\w*|mugg\w*|stabb\w*|strangl\w*|chok(?:e|ed)\b)"
)
# The strongest of them, said of "la", "le", "les" by a witness ("il la frappe").
_HURT_HARD = r"(?:frapp?\w*|bat\b|battue?s?\b|battent\b|tabass?\w*|cogn\w*|gif?fl\w*|etrangl\w*)"
# Someone who touches or follows the writer: "mon beau-père me touche", "my stepfather touch
# me", "un mec m'a suivie"; "ça me touche beaucoup" is a feeling.
_PERSON = (
    r"(?:il|ils|he|they|un mec|un homme|un type|un gars|un inconnu|quelqu un|mon oncle"
    r"|mon tonton|mon cousin|mon prof|mon entraineur|le voisin|mon grand pere|mon papi|mon papy"
    r"|(?:mon|ma|mes) (?:mari|copain|compagnon|ex|pere|beau pere|frere|grand frere|voisins?)"
    r"|my (?:husband|boyfriend|partner|ex|father|dad|step ?(?:father|dad)|brother|uncle|grandpa"
    r"|cousin|teacher|coach|neighbou?r))"
)
_TOUCH = (
    rf"\b{_PERSON} (?:me|m ?a|m ont|m avait|nous) (?:\w+ et )?"
    r"(?:touche|touchent|touchait|touchaient)\b"
    r"(?! (?:beaucoup|vraiment|profondement|le coeur|enormement|tellement|trop|pas)\b)"
    rf"|\b{_PERSON} (?:\w+ )?touch(?:es|ed|ing)? (?:me|us)\b"
)
# Intimate pictures held over someone.
_PICTURES = (
    r"\b(?:mes (?:photos?|videos?) intimes|(?:photos?|videos?) (?:de moi nue?|intimes de moi)"
    r"|my (?:nude|intimate|private) (?:photos?|pictures?|videos?))\b"
)
_SEXUAL = re.compile(
    r"\b(?:viol\b|violee?s?\b|violer\w*|agress\w* sexuel\w*|attouch\w*|abus\w* sexuel\w*"
    r"|touche\w* (?:la|les|mon|ma|mes) (?:sexe|seins?|fesses?|parties)|inceste"
    r"|rap(?:e|es|ed|ing)\b|molest\w*|sexual\w*"
    r"|forc\w* a (?:coucher|faire l amour|avoir des (?:relations|rapports)|des rapports))"
    rf"|{_TOUCH}|{_PICTURES}"
)
_AUX = r"(?:a|ont|avait|avaient|va|vont|veut|veulent|a encore|continue de|n arrete pas de)"
_ME = r"(?:me|m|moi|nous|mon fils|ma fille|mon enfant|mes enfants|my (?:son|daughter|kids?|child))"
# "Ça m'a frappé", "ce qui me frappe": a thing strikes the writer, nobody hits them; and "je
# me bats pour mon fils" is fighting for him.
_NOT_A_THING = (
    r"(?<!ca )(?<!cela )(?<!ce qui )(?<!ce qu )(?<!\bje )(?<!crise )(?<!chomage )(?<!misere )"
    r"(?<!precarite )(?<!pauvrete )(?<!inflation )(?<!hausse )(?<!situation )(?<!loyer )"
)
_MY_CHILD = r"(?:ma fille|mon fils|mon enfant|mes enfants|mon bebe)"
_PARTNER_WORDS = (
    r"(?:mari|femme|conjointe?|compagnon|compagne|copain|copine|concubine?|ex|mec|keum|meuf"
    r"|homme|cheri|cherie|fiancee?|petit ami|petite amie)"
)
# People close enough that fearing them, or their being violent, is personal.
_CLOSE = (
    rf"(?:(?:mon|ma|mes) (?:{_PARTNER_WORDS}|pere|mere|beau pere|belle mere|parents|papa|maman"
    r"|frere|soeur|beau frere|belle soeur|grand frere|oncle|tonton|tante|cousine?|voisine?s?)"
    r"|my (?:husband|wife|boyfriend|girlfriend|partner|ex|father|mother|dad|mum|mom"
    r"|step ?(?:father|mother|dad|mum|mom)|parents|brother|sister|uncle|neighbou?rs?)"
    r"|husband|kocam|زوجي)\b"
)
# Someone else's close people ("son mari", "leurs enfants"), for violence at home told by a
# relay or a witness; "leur femme" is left out, being mostly general ("ceux qui battent leur
# femme"), and so is "son copain", mostly a friend.
_THEIR_PARTNER = r"(?:son|sa) (?:mari|femme|conjointe?|compagnon|compagne|concubine?|ex|mec|keum)"
_THEIR_PARENT = r"(?:son|sa|leur|ses|leurs) (?:pere|mere|beau pere|belle mere|parents|papa|maman)"
_THEIR_CHILD = r"(?:son|sa|ses|leur|leurs) (?:fils|fille|enfants?|bebe|gosses?|petits?)"
_THEIR_CLOSE = rf"(?:{_THEIR_PARTNER}|{_THEIR_PARENT})"
# English verbs done to someone, every tense ("he hits me", "he raped me", "he's beating us");
# not "kicked me out", nor a team that "beat us at football".
_EN_HURT = (
    r"(?:hit|hits|hitting|beat|beats|beating|beaten|hurt|hurts|hurting|rape|rapes|raped|raping"
    r"|threaten|threatens|threatened|threatening|abuse|abuses|abused|abusing|attack|attacks"
    r"|attacked|assault|assaults|assaulted|punch|punches|punched|slap|slaps|slapped|kick|kicks"
    r"|kicked|kicking|choke|chokes|choked|strangle|strangles|strangled|molest|molests|molested"
    r"|harass|harasses|harassed|harassing|stalk|stalks|stalked)"
)
_NOT_A_GAME = r"(?! out\b| at (?:football|foot|chess|cards|games?|sports?|basket\w*)\b)"
# Money and papers taken or kept from the writer.
_BELONGINGS = (
    r"(?:mon argent|mes papiers|mon passeport|mes documents|ma carte bancaire|ma carte bleue"
    r"|mon titre de sejour|mon salaire|ma paie|mes allocations|ma retraite|ma pension"
    r"|mes economies|mon chequier)"
)
# A son, daughter or grandchild, the writer's ("ma petite fille" may be either: both are
# theirs) or someone else's ("son fils"; not "ses petits camarades").
_CHILDREN = r"(?:fils|filles?|enfants?|petits? fils|petites? filles?|petits enfants)"
_OWN_CHILD = rf"(?:(?:mon|ma|mes) (?:{_CHILDREN}|beaux? fils|belles? filles?))"
_THEIR_OWN_CHILD = rf"(?:(?:son|sa|ses|leur|leurs) {_CHILDREN})"
_OWN_CHILD_EN = (
    r"(?:my (?:sons?|daughters?|kids?|child|children|grand(?:sons?|daughters?|children|kids?)"
    r"|step(?:sons?|daughters?)))"
)
_GRANDPARENT = r"(?:grand (?:pere|mere)s?|grands parents|mamie|mamy|mami|papi|papy|pepe)"
_GRANDPARENT_EN = r"(?:grand(?:father|mother|pa|ma|parents)|granny)"
# What someone named just before does to the writer: "(mon fils) me frappe", "(…) m'a encore
# frappée", "(…) me vole et me frappe", "(…) menace de me tuer", "(…) me prend ma retraite".
_HURTS_ME = (
    rf"(?:(?:il|elle|ils|elles) )?(?:(?:{_AUX}|menace de|a menace de) )?(?:(?:me|m) \w+ et )?"
    rf"(?:me|m|nous) (?:{_AUX} )?(?:(?:encore|deja|souvent|toujours) )?"
    rf"(?:{_HURT}|vol(?:e|ent|ait|aient)\b|tue\w*|insult\w*|rabaiss\w*|humili\w*|touch\w*"
    r"|empech\w*|interdi\w*|force\w*|(?:fait|font|faisait|faisaient) (?:tres |trop )?peur"
    rf"|(?:prend|prennent|pris|garde|gardent|cache|cachent) (?:tout |toujours )?{_BELONGINGS})"
)
# Someone else's child who hurts them: "son fils la frappe".
_THEIR_CHILD_HURTS = rf"\b{_THEIR_OWN_CHILD} (?:la|le|l|lui)(?: a| ont| avait)? (?:{_AUX} )?{_HURT}"
# Someone who looks after an older or disabled person at home.
_CARER = (
    r"(?:aides? a domicile|auxiliaires? de vie|aides? soignante?s?|aide menagere"
    r"|(?:mon|ma|l|son|sa) aidante?)"
)
_VICTIM = [
    # "il me frappe", "il m a frappee", "ils nous menacent", "il ma frappe" (apostrophe lost),
    # "il m a donne des coups", "il m a encore frappee", "mon mari me bas"
    rf"\b(?=[mn]){_NOT_A_THING}(?:me|m|moi|nous) (?:{_AUX} )?{_HURT}",
    rf"\b(?=m){_NOT_A_THING}m ?a (?:(?:encore|deja|souvent|toujours|plusieurs fois) )?{_HURT}",
    r"\b(?:me|nous) bas\b",
    # "mon fils a ete frappe", "le voisin frappe ma fille", "il donne des coups a mon fils"
    rf"\b{_ME} (?:a|ont|avait) ete (?:\w+ )?{_HURT}",
    rf"\b{_HURT} {_MY_CHILD}\b",
    rf"\b{_BLOWS} (?:a )?{_MY_CHILD}\b",
    # "j ai ete frappee", "je suis battue", "je me suis fait agresser", "jme fait taper"
    rf"\b(?:j ai ete|je suis|j etais|je me suis fait|je me fai[st]|on m a) (?:\w+ )?{_HURT}",
    r"\bje suis une? (?:femme|fille|enfant|homme|garcon) (?:batt?ue?|maltraitee?|violentee?)\b",
    # "je prends des coups", "j ai recu une gifle", "elle a des bleus partout"
    rf"\bj(?:e| ai| avais) (?:recois|recevais|prends|prend|prenais|recu|pris) "
    rf"(?:des|un|une|plein de) {_BLOWS}",
    r"\b(?:a|ai|as|avait|avais|ont|avaient|plein|pleine|couverte?s?) (?:de|des) bleus\b",
    r"\b(?:marques|traces) (?:de coups|sur (?:les|le|la|son|sa|ses) (?:bras|jambes|visage|cou"
    r"|corps|dos))\b",
    # "ma mere me met dehors la nuit"
    rf"\b{_CLOSE} (?:me|nous|m a|m ont) (?:met|mettent|mis|fout|foutent|foutu) dehors\b",
    # "il me suit partout", "un mec m a suivie"
    rf"\b(?:{_PERSON}|{_CLOSE}) (?:me (?:suit|suivent|suivait)|m ?a suivie?|m ont suivie?)\b",
    # "il a leve la main sur moi", "il m a fait du mal", "elle nous fait mal"
    rf"\bleve la main sur (?:moi|nous|{_MY_CHILD})\b",
    r"\b(?:il|elle|ils|elles) (?:me|nous|m a|m ont|m avait|nous a|nous ont) "
    r"(?:fait|font|faisait|faisaient) (?:du )?mal\b",
    # "on me force", "il me force a coucher avec lui"; "mon mari m insulte et me rabaisse"
    rf"\b(?:on|il|elle|ils|elles|{_CLOSE}) (?:me|m) (?:a |ont )?(?:force|forcent|forcait"
    r"|forcaient)\b",
    rf"\b{_CLOSE} (?:me|m|nous) (?:insulte|insultent|insultait|rabaisse|rabaissent|humilie"
    r"|humilient)\b",
    # "on m envoie des menaces", "il menace de publier mes photos intimes"
    r"\b(?:je recois|j ai recu|je recevais|m envoie|m envoient|m a envoye|m ont envoye) "
    r"(?:des |plein de )?(?:menaces|messages de menace)\b",
    _PICTURES,
    _TOUCH,
    # "mon mari est violent (avec moi)", "il est brutal avec nous", "my dad is violent"
    rf"\b{_CLOSE} (?:est|etait|sont|etaient|devient|deviennent|est devenue?|peut etre|a ete"
    r"|is|was|are|were|gets|got|becomes|became|has been|can be) (?:\w+ )?"
    r"(?:violente?s?|brutale?s?|brutaux)\b",
    rf"\b(?:violente?s?|brutale?s?|brutaux) (?:avec|envers|contre) (?:moi|nous|{_MY_CHILD})\b",
    r"\bviolent (?:with|towards?|to) (?:me|us|my (?:son|daughter|kids?|child|children))\b",
    # "j ai peur de mon mari", "mon pere me fait peur", "j ai peur de mon fils", "I am scared
    # of (from) my husband"
    rf"\bj (?:ai|avais) (?:(?:tres|trop|tellement|si|vraiment) )?peur (?:de|d) "
    rf"(?:{_CLOSE}|{_OWN_CHILD}\b)",
    r"\bj (?:ai|avais) peur de rentrer (?:chez moi|a la maison)\b",
    rf"\b(?:{_CLOSE}|{_OWN_CHILD}) (?:me|nous|m a|m ont) (?:fait|font|faisait|faisaient)"
    r" (?:tres |trop )?peur\b",
    rf"\bi (?:am|m|was|feel|felt) (?:\w+ )?(?:afraid|scared|frightened|terrified) (?:of|from)"
    rf" {_CLOSE}",
    rf"\b{_CLOSE} (?:scares|frightens|terrifies|scared|frightened|terrified) (?:me|us)\b",
    # "I have been raped", "he raped me", "I get beaten at home", "my husband beats me"
    rf"\b{_EN_HURT} (?:me|us|my (?:son|daughter|kids?|child|children|baby))\b{_NOT_A_GAME}",
    # "I was beaten up", not "I am blessed to live here".
    rf"\bi (?:was|am|m|have been|ve been|got|get|keep getting) (?:\w+ )?(?!bless){_HURT}",
    # Told of someone else: "son mari la frappe", "son pere l a battue", "il bat sa femme",
    # "elle est battue par son mari", "her husband beats her", "he hits his kids"
    rf"\b{_THEIR_CLOSE} (?:la|le|les|l|lui|leur)(?: a| ont| avait)? (?:{_AUX} )?{_HURT}",
    rf"\b{_HURT} (?:{_THEIR_PARTNER}|{_THEIR_CHILD})\b",
    _THEIR_CHILD_HURTS,
    rf"\b(?:battue?s?|frappee?s?|violentee?s?|maltraitee?s?|menacee?s?) par {_THEIR_CLOSE}\b",
    rf"\b(?:est|sont|etait|etaient|a ete|ont ete) (?:\w+ )?{_HURT} par (?:{_THEIR_CLOSE}"
    rf"|{_THEIR_CHILD}|son voisin|sa voisine)\b",
    rf"\b(?:her|his|their) (?:husband|wife|boyfriend|girlfriend|partner|ex|father|mother|dad"
    rf"|mum|mom|step ?(?:father|mother|dad|mum|mom)|parents|sons?|daughters?|kids|children"
    rf"|grand(?:sons?|daughters?|children)) {_EN_HURT} (?:her|him|them)\b",
    rf"\b{_EN_HURT} (?:his|her|their) (?:wife|husband|girlfriend|boyfriend|partner|kids?"
    r"|children|son|daughter|baby)\b",
    # "ma voisine est battue", "mon fils a ete tabasse"
    rf"\b{_CLOSE} (?:est|etait|a ete) (?:\w+ )?(?:battue?|frappee?|violee?|maltraitee?"
    r"|violentee?|tabassee?|agressee?)\b",
    # A witness: "la voisine se fait frapper", "j entends crier, il la frappe", "mon fils s est
    # fait planter"; "les filles se font harceler" (plural) is the neighbourhood's topic.
    rf"\b(?:se (?:fait|faisait)|s est faite?|s etait faite?) (?:\w+ )?{_HURT}",
    rf"\bse (?:font|faisaient) (?:\w+ )?{_HURT} par {_THEIR_CLOSE}",
    # "il la frappe", "mon frere la frappe" (a witness)
    rf"\b(?:il|elle|ils|elles|{_CLOSE}) (?:la|le|les|l) (?:a |ont |avait )?{_HURT_HARD}",
    r"\bfai(?:s|t|te) planter\b",
    # Robbed by their child or a carer: "mamie se fait voler par son petit fils".
    rf"\b(?:voler|volee?s?|depouiller|depouillee?s?|escroquer|escroquee?s?|arnaquer"
    rf"|arnaquee?s?) (?:\w+ ){{0,3}}?par (?:{_OWN_CHILD}|{_THEIR_OWN_CHILD}|(?:l|son|sa|mon|ma)"
    rf" {_CARER})\b",
    # "my grandmother is abused by her carer", "she was beaten by her son"; one person
    # ("children are abused by their parents" is a topic).
    rf"\b(?:is|was|gets|got|has been) (?:being )?{_EN_HURT} by (?:her|his"
    r"|their|my) (?:husband|wife|boyfriend|girlfriend|partner|ex|father|mother|dad|mum|mom"
    r"|parents|sons?|daughters?|kids|children|grand(?:sons?|daughters?|children)|carers?"
    r"|caregivers?|neighbou?rs?)\b",
    # A carer who robs the person: "l aide a domicile me vole", "(…) de ma mere lui vole".
    rf"\b{_CARER} (?:\w+ ){{0,3}}?(?:me|m|lui|leur) (?:a |ont )?(?:vol(?:e|ent|ait|aient)\b"
    rf"|(?:prend|prennent|pris|garde|gardent) (?:tout |toujours )?{_BELONGINGS})",
    r"\b(?:carer|caregiver|care worker) (?:\w+ )?(?:steals?|stole|takes?|took) (?:all )?my\b",
    # "je subis des violences", "victime de viol", "je vis des violences conjugales"
    r"\b(?:i am|i m|i was|we are) (?:a )?victims? of\b",
    r"\b(?:je subis|je vis|je suis victime|j ai ete victime|victime de)\b.{0,40}"
    r"\b(?:violences?|viol|coups|harcelement|inceste|maltraitance|agression)",
    # Arabic "(zawji) yadribuni", "(my husband) beats me"; Turkish "(kocam) beni dövüyor".
    r"\bي?ضرب(?:ني|نا)\b",
    r"\bbeni dov(?:uyor|uyorlar|du|duler|er)\b",
]
# A child hurt, told by a witness: "un enfant dans mon immeuble est battu".
_CHILD_HURT = re.compile(
    r"\b(?:un|une|le|la|l|cet|cette|ce|des|les) (?:enfant|gamin|gamine|gosse|bebe|petit|petite"
    r"|fillette|ado)s?\b.{0,40}?\b(?:(?:est|sont|etait|etaient|a ete|ont ete|se fait|se font) "
    rf"(?:\w+ )?{_HURT}|(?:a|ont|avait) (?:des|plein de) (?:bleus|marques|traces)\b)"
)
# Control by a partner or the family (a grown child too): kept in, kept from others, money and
# papers taken, married by force.
_CONTROL = re.compile(
    rf"\b(?:il|elle|ils|elles|{_CLOSE}|{_OWN_CHILD}) (?:me|m) (?:empeche|empechent|empechait"
    r"|interdit|interdisent|interdisait|a interdit|ont interdit) (?:de |d )?(?:sortir|voir"
    r"|travailler|parler|telephoner|appeler|aller)"
    r"|\bje n ai pas le droit de (?:sortir|voir|travailler|parler|telephoner)"
    rf"|\b(?:il|elle|ils|elles|{_CLOSE}|{_OWN_CHILD}) (?:me |m )?(?:a |ont )?(?:prend|prends"
    r"|prennent|pris|garde|gardent|confisque\w*|cache|cachent|vole|volent|volait)"
    rf" (?:tout |toujours )?{_BELONGINGS}"
    rf"|\b{_OWN_CHILD} (?:et (?:\w+ ){{1,3}}?)?(?:(?:il|elle|ils|elles) )?(?:me|m) (?:a |ont )?"
    r"vol(?:e|ent|ait|aient)\b"
    r"|\bme marier (?:de force|contre mon gre|sans mon accord)"
    r"|\bm (?:a|ont) mariee? (?:de force|contre mon gre)"
    r"|\b(?:not|doesn t|doesnt|dont|don t|does not|won t|wont|never) (?:let|lets|allow|allows)"
    r" me (?:to )?(?:go|out|leave|see|work|talk|call)"
    rf"|\b(?:he|she|they|{_CLOSE}|{_OWN_CHILD_EN}) (?:\w+ )?(?:take|takes|took|keep|keeps|kept"
    r"|hide|hides|hid|steal|steals|stole) (?:all )?(?:my|our) (?:passport|papers|documents|money"
    r"|id|residence permit|salary|pension|savings)"
    r"|\block(?:s|ed)? (?:me|us) (?:in|up|inside)\b"
)
# "Mourir de rire", "crever de chaud": an idiom, not a wish to die.
_NOT_AN_IDIOM = (
    r"(?! (?:de|d) (?:rire|faim|froid|chaud|honte|fatigue|soif|peur|ennui|envie|vieillesse)\b)"
)
_DANGER = [
    r"\bau secours?\b",
    r"\baid(?:ez|er|e) ?moi\b",
    r"\bje (?:suis|me sens) en danger\b",
    # Said of "us" with the rodeos or the dealers, it is the neighbourhood's danger.
    r"\b(?:nous sommes|on est|on se sent) en danger\b(?! (?:avec|a cause d\w*|dans) (?:ces|les"
    r"|tous ces|toutes ces|ce|cette|le|la|notre)\b)",
    r"\bj ai peur (?:pour ma vie|qu il me tue|qu elle me tue|de mourir|de rentrer)",
    r"\b\w+ (?:va|veut|vont|veulent|menace de|a menace de|m a menace de|a essaye de|a voulu"
    r"|allait|allaient|voulait|voulaient) "
    r"(?:me|nous) tuer\b",
    r"\bmenaces? de mort\b",
    # "si je parle il me tue", not "il me tue de rire".
    rf"\b(?:il|elle|ils|elles|on) (?:me|nous) (?:tue|tuera|tuerait|tueront)\b{_NOT_AN_IDIOM}",
    # A threat quoted as it was made, to "you" ("il m'a dit : je vais te tuer", a forwarded
    # "si tu parles je te tue").
    r"\b(?:je|on|il|ils|elle|elles|nous) (?:vais|va|vont|veux|veut|veulent|allons) te "
    r"(?:tuer|buter|crever|egorger|planter)\b",
    r"\bje (?:te|t) (?:tue|bute|creve|egorge|plante)\b",
    r"\b(?:i ll|i will|i m going to|i am going to|gonna) kill you\b",
    r"\b(?:help me|i am in danger|i m in danger|we are in danger|we re in danger)\b",
    r"\b(?:going|gonna|wants?|wanted|tried|trying|threaten\w*) to kill (?:me|us)\b",
    r"\b(?:will|ll) kill (?:me|us)\b",
    # Arabic "help me" (to one person, to several).
    r"\bساعد(?:ني|وني)\b",
]
# Not wanting to live *somewhere* ("je ne veux plus vivre ici") is about the neighbourhood.
_NOT_A_PLACE = (
    r"(?! (?:ici|la|dans|au|aux|en|a cote|pres|chez|avec|sous|parmi"
    r"|here|there|in|on|near|with)\b)"
)
# Nor is wanting to vanish *from* it ("disparaitre de ce quartier").
_NOT_AWAY = r"(?! (?:d ici|de ce|de cette|du quartier|de la cite)\b)"
_SELF_HARM = [
    r"\bme (?:suicid|suisid|sucid|suissid)\w*",
    r"\bje (?:vais|veux|voudrais|pense a|pense) (?:me tuer|en finir|me suicider|me pendre"
    rf"|me foutre en l ?air|(?:mour?rire?|crever){_NOT_AN_IDIOM}|disparaitre{_NOT_AWAY})",
    rf"\b(?:envie|besoin) d(?:e)? (?:mourir|crever|me tuer|en finir|disparaitre{_NOT_AWAY})"
    rf"\b{_NOT_AN_IDIOM}",
    r"\bje pense (?:\w+ )?(?:au suicide|a la mort|a mourir)\b",
    r"\bmettre fin a (?:mes jours|ma vie)\b",
    rf"\bplus (?:envie|la force) de vivre\b{_NOT_A_PLACE}",
    rf"\bje (?:ne )?(?:veux|voudrais|peux) plus vivre\b{_NOT_A_PLACE}",
    rf"\bj en ai (?:vraiment |tellement )?marre de vivre\b{_NOT_A_PLACE}",
    r"\bj en (?:peux|peu|peut) plus de (?:vivre|la vie|cette vie|ma vie)\b",
    r"\b(?:marre|assez) de (?:la|cette|ma) vie\b(?! chere)",
    r"\bplus (?:de |le )?gout a (?:la vie|rien)\b",
    # "plus envie de rien", said of oneself ("les jeunes n'ont plus envie de rien" is not).
    r"\b(?=p)(?<!ont )(?<!a )plus envie de rien\b",
    r"\b(?:ne plus|plus jamais|plus) me reveiller\b(?! (?:a|avec|par|au|le matin)\b)",
    r"\bme jeter (?:sous|du|d un|d une|de la|par la|dans le vide|dans la seine)\b",
    r"\bsauter (?:du|d un|de la|par la) (?:balcon|fenetre|pont|toit|immeuble|haut)\b",
    r"\bje (?:ne )?(?:veux|voudrais) (?:plus|pas) etre (?:la|en vie|vivante?)\b"
    r"(?! (?:quand|pour|a|au|le|ce|avec)\b)",
    r"\bsi je (?:mourais|disparaissais|n etais plus la)\b",
    r"\bj arrive plus a vivre\b",
    r"\b(?:fatiguee?|lasse?) de (?:vivre|la vie)\b",
    r"\b(?:j ai fait|j ai deja fait) (?:une|des|plusieurs) tentatives? de suicide\b",
    r"\bma tentative de suicide\b",
    r"\b(?:supporte|supporter) plus (?:la|cette|ma) vie\b(?! chere)",
    r"\b(?:m endormir|dormir) pour toujours\b",
    r"\b(?:medicaments|cachets|comprimes|pilules) pour (?:mourir|en finir)\b",
    r"\b(?:me tailler|m ouvrir|me couper) les veines\b",
    r"\bje (?:me fais|me suis fait|veux me faire) du mal\b",
    r"\bje me (?:scarifi|coupe)\w*",
    r"\bidees? (?:noires|suicidaires)\b",
    r"\b(?:kill myself|end my life|end it all|want (?:to )?die\b(?! laughing)|suicidal|hurt myself"
    r"|better off dead)\b",
    rf"\b(?:don t|dont|do not) want (?:to )?(?:live|be alive)\b{_NOT_A_PLACE}",
    # Turkish "I want to die"; Arabic "I want to die", "I want to kill myself".
    r"\bolmek istiyorum\b",
    r"\bاريد ان (?:اموت|انتحر)\b",
]
# Nowhere to sleep, said by the writer ("je dors dans la rue", "on est a la rue"); "les SDF
# dorment dehors" is the neighbourhood, and "on est a la rue pour les transports" an idiom.
_SHELTER = [
    r"\b(?:je|j|on|nous) (?:dors|dort|dormons|dormais|dormait|ai dormi|a dormi|avons dormi"
    r"|vais dormir|va dormir|allons dormir) (?:\w+ )?(?:dans la rue|dehors|dans (?:la|ma|une"
    r"|notre) voiture|dans un parking|dans (?:la|une) cage d escalier|dans (?:le|un) hall"
    r"|a la gare|sous un pont)\b",
    r"\b(?:je suis|on est|nous sommes|je me retrouve|on se retrouve|je vais etre|on va etre)"
    r" (?:a la rue|sans abri|sans domicile|sdf)\b(?! (?:pour|niveau|question|sur|cote|en)\b)",
    r"\b(?:je n ai|j ai|on n a|on a|nous n avons|nous avons|je ne sais|je sais|on ne sait"
    r"|on sait) (?:plus |pas |jamais )?(?:nulle part|aucun endroit|pas d endroit|d endroit|ou)"
    r" (?:ou |pour )?dormir\b",
    r"\bj (?:n )?ai (?:plus|pas) de (?:toit|logement)\b",
    # "I am homeless", "we sleep in car"; not "I was attacked in the street".
    r"\b(?:i|we) (?:am|m|are|re|was|were|have been|ve been) (?:\w+ )?homeless\b",
    r"\b(?:i|we) (?:am |m |are |re )?(?:sleep|sleeping|slept|live|living) (?:\w+ )?(?:in the"
    r" street|on the street|in (?:(?:my|our|the|a) )?car|outside|rough)\b",
    r"\b(?:i|we) (?:am|m|are|re) (?:on|in) the streets?\b",
    r"\b(?:no|nowhere) (?:place )?to sleep\b",
]
_PARTNER = re.compile(
    rf"\b(?:mon|ma|mes) {_PARTNER_WORDS}\b"
    rf"|\b{_THEIR_PARTNER}\b|\bconjugal\w*"
    r"|\b(?:(?:my|his|her|their) (?:husband|wife|boyfriend|girlfriend|partner|ex)|husband)\b"
    r"|\bkocam\b|زوجي"
)
_CHILD = re.compile(
    r"\b(?:mon|ma|mes) (?:pere|mere|parents?|beau pere|belle mere|papa|maman|fils|fille"
    r"|enfants?|bebe)\b|\b(?:ma|notre) famille\b"
    rf"|\b{_THEIR_PARENT}\b|\b{_THEIR_CHILD}\b"
    r"|\b(?:my|his|her|their) (?:father|mother|dad|mum|mom|step ?(?:father|mother|dad|mum|mom)"
    r"|parents|son|daughter|kids?|children|baby)\b|\benfant\w* battu"
)
# A parent hurt by their own son, daughter or grandchild, told by them or of them: violence
# in the family, and mistreatment the 3977 takes; the child named is no child in danger.
_BY_OWN_CHILD = re.compile(
    rf"\b{_OWN_CHILD} (?:et (?:\w+ ){{1,3}}?)?{_HURTS_ME}"
    rf"|\b{_OWN_CHILD} (?:est|etait|sont|etaient|devient|deviennent) (?:\w+ )?"
    r"(?:violente?s?|brutale?s?|brutaux) (?:avec|envers|contre) (?:moi|nous)\b"
    rf"|\bpeur (?:de|d) {_OWN_CHILD}\b"
    rf"|\bpar (?:{_OWN_CHILD}|{_THEIR_OWN_CHILD})\b"
    r"|\bby (?:my|her|his|their) (?:sons?|daughters?|kids|children"
    r"|grand(?:sons?|daughters?|children))\b"
    rf"|{_THEIR_CHILD_HURTS}"
    rf"|\b{_OWN_CHILD_EN} (?:\w+ )?(?:{_EN_HURT} (?:me|us)\b{_NOT_A_GAME}"
    r"|(?:take|takes|took|keep|keeps|kept|steal|steals|stole) (?:all )?my\b)"
    r"|\b(?:her|his|their) (?:sons?|daughters?|kids|children|grand(?:sons?|daughters?|children))"
    rf" {_EN_HURT} (?:her|him|them)\b"
)
# A grandparent who hurts the writer: the writer is the grandchild, not the older person.
_BY_GRANDPARENT = re.compile(
    rf"\b(?:mon|ma|mes) {_GRANDPARENT} {_HURTS_ME}|\bpar (?:mon|ma|mes) {_GRANDPARENT}\b"
    rf"|\bmy {_GRANDPARENT_EN} (?:\w+ )?{_EN_HURT} (?:me|us)\b"
)
# Nor is one who works in care: "je suis aide soignante et un patient m'a frappée".
_NOT_THE_OLDER_ONE = re.compile(
    rf"{_BY_GRANDPARENT.pattern}|\bje (?:suis|travaille comme|bosse comme) (?:une? )?{_CARER}"
    r"|\bje (?:travaille|bosse) (?:dans|en|a) (?:un |une |l |la )?(?:ehpad|maison de retraite)"
)
_AGE_65_PLUS = r"(?:6[5-9]|[7-9]\d|1[01]\d)"
# The writer or the person told of is old or disabled, or depends on carers: "je suis agee",
# "j ai 82 ans", "ma grand mere", "en fauteuil", "l aide a domicile", "EHPAD". "A l'age de 12
# ans" is no old age, and "mes vieux" are one's parents.
_OLD_OR_DISABLED = re.compile(
    r"\b(?:(?:suis|personnes?|dame|femme|homme|monsieur|voisine?|mere|pere|maman|papa"
    r"|parents?|couple|gens) agee?s?|a mon age|(?:troisieme|3e|quatrieme|4e|grand) age"
    r"|(?:vieilles?|vieil|vieux) (?:dames?|messieurs?|monsieur|hommes?|femmes?|voisine?s?"
    r"|personnes?|couples?|gens)|je suis (?:tres |trop )?(?:vieille|vieux)"
    rf"|(?:ai|a|de) {_AGE_65_PLUS} ans|i (?:am|m) {_AGE_65_PLUS}|{_AGE_65_PLUS} (?:years? old|yo)"
    rf"|{_GRANDPARENT}|{_GRANDPARENT_EN}|{_CARER}"
    r"|handicap\w*|en fauteuil|fauteuil roulant|invalide|paralyse\w*|aveugle|malvoyante?"
    r"|sourde?\b(?! oreille)|alzheimer|maisons? de retraite|ehpad|foyer logement"
    r"|residence (?:senior|seniors|pour personnes agees)"
    r"|elderly|old (?:lady|woman|man|people|person)|pensioner|i (?:am|m) old|disabled"
    r"|disability|wheelchair|nursing home|care home|retirement home|carer|caregiver|care worker"
    r"|home help)\b"
)
# An older or disabled person hurt, told by a witness: "la vieille dame d'en face est
# maltraitee", "mamie est maltraitee"; "les personnes agees sont maltraitees" is a topic.
_ELDER_HURT = re.compile(
    r"\b(?:(?:un|une|le|la|l|cet|cette|ce|mon|ma|notre|son|sa|leur) (?:(?:vieille|vieil|vieux)"
    r" \w+|\w+ (?:agee?|handicapee?)|personne (?:agee|handicapee|en fauteuil)"
    rf"|{_GRANDPARENT})|mamie|mamy|mami|papi|papy|pepe)\b"
    rf".{{0,40}}?\b(?:est|etait|a ete|se fait|s est fait) (?:\w+ )?{_HURT}"
)
# At home, not near it ("en bas de chez moi", "devant chez moi"), nor in a care home.
_HOME = re.compile(
    r"\b(?:a la maison(?! de retraite)|at home|in the house)\b"
    r"|\b(?=c)(?<!de )(?<!devant )chez (?:moi|nous)\b"
)

_VICTIM_RE = re.compile("|".join(_VICTIM))
# Beaten at a game is losing it: "mon fils me bat aux cartes", "il me bat au foot". The verb
# becomes "gagne" before matching.
_GAME = re.compile(
    r"\b(?:bat|bats|battent|battu|battue|battus)(?= (?:(?:toujours|souvent|encore|tout le temps)"
    r" )?(?:aux|au|a la|a|aux jeux de|en) (?:cartes|echecs|dames|belote|tarot|poker|uno|scrabble"
    r"|monopoly|foot\w*|basket\w*|tennis|ping pong|petanque|course|jeux? video|jeux?|console"
    r"|playstation|fifa|mario kart|bras de fer)\b)"
)
_DANGER_RE = re.compile("|".join(_DANGER))
_SELF_HARM_RE = re.compile("|".join(_SELF_HARM))
_SHELTER_RE = re.compile("|".join(_SHELTER))

# SMS and phonetic spellings, read as the words they stand for ("jai" "j ai", "chui" "je
# suis", "kil" "qu il"), and a lost apostrophe before a verb ("j me" "je me").
_SMS_WORDS = {
    "jai": "j ai",
    "g": "j ai",
    "jme": "je me",
    "jsuis": "je suis",
    "jsui": "je suis",
    "chui": "je suis",
    "chuis": "je suis",
    "jveux": "je veux",
    "jveu": "je veux",
    "jvx": "je veux",
    "jvais": "je vais",
    "jvai": "je vais",
    "jve": "je vais",
    "jpeux": "je peux",
    "jpeu": "je peux",
    "jpense": "je pense",
    "jdors": "je dors",
    "jen": "j en",
    "javais": "j avais",
    "jetais": "j etais",
    "kil": "qu il",
    "qil": "qu il",
    "quil": "qu il",
    "kel": "qu elle",
    "ki": "qui",
    "ke": "que",
    "mwa": "moi",
    "mont": "m ont",
    "im": "i m",
    "ive": "i ve",
    "moa": "moi",
    "mn": "mon",
    "plu": "plus",
    "veu": "veux",
    "ds": "dans",
    "tt": "tout",
}
_SMS = re.compile(r"\b(?:" + "|".join(_SMS_WORDS) + r")\b")
_J_VERB = re.compile(r"\bj (?=(?:me|suis|veux|vais|peux|pense|dors)\b)")


def fold(text: str) -> str:
    """Lower case, accents, apostrophes and symbols (emoji) removed, runs of a letter cut to
    two, SMS spellings written out."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"[^\w\s]|_", " ", plain)
    plain = re.sub(r"(\w)\1{2,}", r"\1\1", plain)
    plain = re.sub(r"\s+", " ", plain).strip()
    plain = _SMS.sub(lambda word: _SMS_WORDS[word.group()], plain)
    return _J_VERB.sub("je ", plain)


def detect(text: str) -> frozenset[Category]:
    """The kinds of personal disclosure in `text` (empty when there is none)."""
    folded = _GAME.sub("gagne", fold(text))
    found: set[Category] = set()
    if _SELF_HARM_RE.search(folded):
        found.add(Category.SELF_HARM)
    if _SHELTER_RE.search(folded):
        found.add(Category.SHELTER)
    if _DANGER_RE.search(folded):
        found.add(Category.DANGER)
    if _CHILD_HURT.search(folded):
        found |= {Category.DANGER, Category.CHILD}
    if _ELDER_HURT.search(folded):
        found.add(Category.DANGER)
    control = _CONTROL.search(folded) is not None
    if control:
        found |= {Category.DANGER, Category.DOMESTIC}
    if control or _VICTIM_RE.search(folded):
        found.add(Category.DANGER)
        if _SEXUAL.search(folded):
            found.add(Category.SEXUAL)
        if _PARTNER.search(folded) or _HOME.search(folded):
            found.add(Category.DOMESTIC)
        # A son who hurts his parent is named, and is no child in danger; a grandparent who
        # hurts the writer makes the writer one.
        if _CHILD.search(_BY_OWN_CHILD.sub(" ", folded)) or _BY_GRANDPARENT.search(folded):
            found.add(Category.CHILD)
    if Category.DANGER in found:
        if _BY_OWN_CHILD.search(folded):
            found |= {Category.DOMESTIC, Category.ELDER}
        if _OLD_OR_DISABLED.search(_NOT_THE_OLDER_ONE.sub(" ", folded)):
            found.add(Category.ELDER)
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
        # The 3919 finds an interpreter for many languages: "in French" kept callers away.
        "en": "• Domestic violence: 3919 (free, anonymous, 24/7, you can ask for an interpreter).",
    },
    Category.SEXUAL: {
        # The 3919 is for women; the 116 006 takes every victim, men and boys too.
        "fr": "• Violences sexuelles : 3919 (gratuit, anonyme, 24 h/24), ou le 116 006 "
        "(aide aux victimes, gratuit, tous les jours).",
        "en": "• Sexual violence: 3919 (free, anonymous, 24/7), or 116 006 (help for victims, "
        "free, every day).",
    },
    Category.CHILD: {
        "fr": "• Enfance en danger : 119 (gratuit, 24 h/24, n'apparaît pas sur les factures).",
        "en": "• Child in danger: 119 (free, 24/7, does not show on phone bills).",
    },
    Category.ELDER: {
        # The 3977 takes victims and witnesses of mistreatment by family, carers or
        # neighbours; its opening hours are not given, not being ours to keep up to date.
        "fr": "• Maltraitance d'une personne âgée ou handicapée : 3977 (gratuit).",
        "en": "• Abuse of an older or disabled person: 3977 (free).",
    },
    Category.SELF_HARM: {
        "fr": "• Idées suicidaires, envie d'en finir : 3114 (gratuit, 24 h/24).",
        "en": "• Suicidal thoughts: 3114 (free, 24/7).",
    },
    Category.SHELTER: {
        "fr": "• Pas d'endroit où dormir : 115 (gratuit, 24 h/24).",
        "en": "• Nowhere to sleep: 115 (free, 24/7).",
    },
}
# Danger with one of these gets their line, which fits better than the victims' one. Not
# the 3977's: it is for mistreatment by people one depends on or lives with, an older person
# robbed in the street is better helped by the 116 006, and a text rarely tells which.
_COVERED = frozenset({Category.DOMESTIC, Category.SEXUAL, Category.CHILD})
# For danger that no other line covers: an assault, a threat, a racket in the street.
_VICTIMS: dict[Lang, str] = {
    "fr": "• Agression, menaces, racket : 116 006 (aide aux victimes, gratuit, tous les jours).",
    "en": "• Attacked, threatened or robbed: 116 006 (help for victims, free, every day).",
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
_ORDER = (
    Category.SELF_HARM,
    Category.CHILD,
    Category.DOMESTIC,
    Category.ELDER,
    Category.SEXUAL,
    Category.SHELTER,
)


def every_helpline(lang: Lang) -> list[str]:
    """Every helpline, one line each (no bullet), worded for a relay to pass on: the
    emergency numbers, then each kind's line and the victims' one. For a printed form, where
    nothing tells in advance what a person may confide."""
    # The relayed head's first line speaks of a message already written; its lines after
    # it are the emergency numbers.
    emergency = _RELAYED_HEAD[lang].splitlines()[1:]
    lines = [*emergency, *(_LINES[category][lang] for category in _ORDER), _VICTIMS[lang]]
    plain = [line.removeprefix("• ") for line in lines]
    return [french_spacing(line) for line in plain] if lang == "fr" else plain


def helplines(categories: frozenset[Category], lang: Lang, *, relayed: bool = False) -> str:
    """The helpline message for a disclosure: the emergency numbers, then those that fit.

    Each line is for its own category; danger no other line covers (a threat from a
    neighbour, an assault in the street) adds the victims' line, 116 006. `relayed`: written
    by a relay for someone else, so addressed to the relay, who passes the numbers on.
    """
    head, tail = (_RELAYED_HEAD, _RELAYED_TAIL) if relayed else (_HEAD, _TAIL)
    lines = [head[lang]]
    for category in _ORDER:
        if category in categories:
            line = _LINES[category][lang]
            if category is Category.SELF_HARM and not relayed:
                line = f"{line} {_NOT_ALONE[lang]}"
            lines.append(line)
    if Category.DANGER in categories and not categories & _COVERED:
        lines.append(_VICTIMS[lang])
    text = "\n".join(lines) + "\n\n" + tail[lang]
    return french_spacing(text) if lang == "fr" else text
