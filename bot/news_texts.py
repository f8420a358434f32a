"""What the bot says about follow-up news: to residents (the footer, /stop) and to staff."""

from __future__ import annotations

from flows.model import Lang, Text
from flows.texts import Messages

MESSAGES: dict[str, Text] = {
    # Residents
    "footer": Text(
        fr="Vous recevez ce message car vous avez demandé des nouvelles de la consultation. "
        "Pour ne plus en recevoir : /stop",
        en="You are getting this message because you asked for news of the consultation. "
        "To stop receiving news: /stop",
    ),
    "stopped": Text(
        fr="C'est noté : vous ne recevrez plus de nouvelles.",
        en="Noted: you will not receive any more news.",
    ),
    "not_subscribed": Text(
        fr="Pas de souci : vous n'êtes pas inscrit·e aux nouvelles, vous n'en recevrez pas. "
        "Pour faire une pause dans les questions, vous n'avez rien à faire : tapez /reprendre "
        "quand vous voulez continuer.",
        en="No problem: you are not signed up for news, so you will not get any. "
        "To take a break from the questions, you do not need to do anything: type /reprendre "
        "when you want to go on.",
    ),
    # Staff
    "cmd_nouvelles": Text(
        fr="Envoyer des nouvelles aux habitants", en="Send news to the residents"
    ),
    "usage": Text(
        fr="Écrivez le message après la commande, par exemple :\n"
        "/nouvelles Le jardin partagé ouvre samedi à 10 h. Merci pour vos idées !\n\n"
        "Pour les habitants qui ont choisi l'anglais, ajoutez si vous voulez une version "
        "anglaise, sur une ligne qui commence par « EN : » (ils reçoivent le texte français "
        "sinon). Par exemple :\n"
        "/nouvelles Le jardin partagé ouvre samedi à 10 h.\n"
        "EN: The shared garden opens on Saturday at 10.",
        en="Write the message after the command, for example:\n"
        "/nouvelles The shared garden opens on Saturday at 10. Thank you for your ideas!\n\n"
        "For the residents who chose English, you may add an English version, on a line "
        "starting with “EN:” (they get the French text otherwise). For example:\n"
        "/nouvelles Le jardin partagé ouvre samedi à 10 h.\n"
        "EN: The shared garden opens on Saturday at 10.",
    ),
    "too_long": Text(
        fr="Ce message est trop long : {n} caractères, {max} au plus. Raccourcissez-le ou "
        "envoyez-le en plusieurs fois.",
        en="This message is too long: {n} characters, {max} at most. Shorten it or send it "
        "in several parts.",
    ),
    "too_long_en": Text(
        fr="La version anglaise est trop longue : {n} caractères, {max} au plus. Raccourcissez-la.",
        en="The English version is too long: {n} characters, {max} at most. Shorten it.",
    ),
    "empty": Text(fr="Le message est vide.", en="The message is empty."),
    "no_french": Text(
        fr="Il manque le texte français : écrivez-le d'abord, puis la version anglaise sur "
        "une ligne qui commence par « EN : ».",
        en="The French text is missing: write it first, then the English version on a line "
        "starting with “EN:”.",
    ),
    "empty_english": Text(
        fr="La version anglaise est vide : écrivez-la après « EN : », ou retirez cette ligne.",
        en="The English version is empty: write it after “EN:”, or remove that line.",
    ),
    "two_english": Text(
        fr="Deux versions anglaises : l'une après « EN : » dans le message, l'autre avec --en. "
        "Gardez-en une.",
        en="Two English versions: one after “EN:” in the message, the other with --en. Keep one.",
    ),
    "nobody": Text(
        fr="Personne n'a demandé de nouvelles pour l'instant : il n'y a personne à qui "
        "envoyer ce message.",
        en="Nobody has asked for news yet: there is nobody to send this message to.",
    ),
    "preview": Text(
        fr="📣 Aperçu : voici le message tel qu'il sera reçu par {who} ({fr} en français, "
        "{en} en anglais). En anglais, la dernière phrase devient :\n« {footer_en} »",
        en="📣 Preview: here is the message as {who} will get it ({fr} in French, "
        "{en} in English). In English, the last sentence becomes:\n“{footer_en}”",
    ),
    "no_english": Text(
        fr="Sans version anglaise, {n:l'habitant qui a choisi l'anglais recevra|les # habitants "
        "qui ont choisi l'anglais recevront} ce texte en français. Pour écrire en anglais à "
        "ceux qui l'ont choisi, ajoutez la version anglaise sur une ligne qui commence par "
        "« EN : ».",
        en="Without an English version, {n:the resident who chose English gets|the # residents "
        "who chose English get} this text in French. To write to them in English, add the "
        "English version on a line starting with “EN:”.",
    ),
    "preview_both": Text(
        fr="📣 Aperçu : voici le message tel qu'il sera reçu par {who} : la version française "
        "ci-dessous pour {fr:habitant|habitants}, puis la version anglaise pour "
        "{en:habitant qui a choisi l'anglais|habitants qui ont choisi l'anglais}.",
        en="📣 Preview: here is the message as {who} will get it: the French version below for "
        "{fr:resident|residents}, then the English version for {en:resident who chose "
        "English|residents who chose English}.",
    ),
    "already_one": Text(
        fr="1 habitant l'a déjà reçu : il ne le recevra pas une deuxième fois.",
        en="1 resident already got it and will not get it twice.",
    ),
    "already_many": Text(
        fr="{n} habitants l'ont déjà reçu : ils ne le recevront pas une deuxième fois.",
        en="{n} residents already got it and will not get it twice.",
    ),
    "everyone_reached": Text(
        fr="Tous les habitants qui ont demandé des nouvelles ont déjà reçu ce message : il "
        "n'y a personne d'autre à qui l'envoyer.",
        en="Every resident who asked for news already got this message: there is nobody "
        "else to send it to.",
    ),
    "send": Text(fr="📤 Envoyer à {who}", en="📤 Send to {who}"),
    "cancel": Text(fr="Annuler", en="Cancel"),
    "sending": Text(
        fr="📤 Envoi en cours à {who}… Je vous dis ici quand c'est fini.",
        en="📤 Sending to {who}… I will tell you here when it is done.",
    ),
    "cancelled": Text(
        fr="Annulé : ce message n'a été envoyé à personne.",
        en="Cancelled: this message was sent to nobody.",
    ),
    "expired": Text(
        fr="Cet aperçu n'est plus valable (déjà envoyé, annulé, ou le bot a redémarré). "
        "Refaites /nouvelles avec le texte.",
        en="This preview is no longer valid (already sent, cancelled, or the bot restarted). "
        "Use /nouvelles with the text again.",
    ),
    "report": Text(
        fr="✅ Nouvelles envoyées : {delivered:reçue|reçues}, {failed:échec|échecs}.",
        en="✅ News sent: {delivered} delivered, {failed} failed.",
    ),
    "report_dropped": Text(
        fr="{n:contact retiré|contacts retirés} : l'habitant a bloqué le bot ou son compte "
        "n'existe plus.",
        en="{n:contact|contacts} removed: the resident blocked the bot or their account is gone.",
    ),
    "report_unreadable": Text(
        fr="{n:contact illisible|contacts illisibles} : le secret privacy.pseudonym_secret "
        "a-t-il changé ?",
        en="{n:contact|contacts} unreadable: was privacy.pseudonym_secret changed?",
    ),
    "report_already": Text(
        fr="{n:habitant l'avait|habitants l'avaient} déjà reçu : pas de deuxième envoi.",
        en="{n:resident|residents} had already got it: not sent again.",
    ),
    "send_failed": Text(
        fr="😕 L'envoi s'est arrêté sur une erreur technique (voir le journal du bot). Vous "
        "pouvez renvoyer le même texte : il ira aux habitants qui ne l'ont pas encore reçu.",
        en="😕 Sending stopped on a technical error (see the bot's log). You can send the same "
        "text again: it will go to the residents who have not got it yet.",
    ),
    "busy": Text(
        fr="⏳ Un autre envoi de nouvelles est en cours (ou s'est interrompu il y a moins de "
        "{minutes} minutes) : rien n'a été envoyé. Réessayez dans quelques minutes : le "
        "message n'ira qu'aux habitants qui ne l'ont pas encore reçu.",
        en="⏳ Another send of news is under way (or stopped less than {minutes} minutes ago): "
        "nothing was sent. Try again in a few minutes: the message will only go to the "
        "residents who have not got it yet.",
    ),
    "residents_one": Text(fr="1 habitant", en="1 resident"),
    "residents_many": Text(fr="{n} habitants", en="{n} residents"),
}


say = Messages(MESSAGES).say


def residents(count: int, lang: Lang) -> str:
    """A number of residents in words: "1 habitant", "3 habitants"."""
    return say("residents_one", lang) if count == 1 else say("residents_many", lang, n=count)
