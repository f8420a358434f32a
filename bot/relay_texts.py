"""What the bot says to relays and to staff about relays, in French and English."""

from __future__ import annotations

from bot.privacy import duration
from flows.model import Lang, Text
from flows.texts import Messages

MESSAGES: dict[str, Text] = {
    # Staff
    "relay_created": Text(
        fr="Relais « {name} » créé (n° {id}).\n\n"
        "Envoyez-lui ce lien d'invitation, à usage unique, valable jusqu'au {date} :\n{link}",
        en="Relay “{name}” created (no. {id}).\n\n"
        "Send them this single-use invitation link, valid until {date}:\n{link}",
    ),
    "relay_new_usage": Text(
        fr="Donnez le nom du relais : /relais_nouveau NOM",
        en="Give the relay's name: /relais_nouveau NAME",
    ),
    "relay_name_too_long": Text(
        fr="Ce nom est trop long : {max} caractères au plus. Rien n'a été créé.",
        en="This name is too long: {max} characters at most. Nothing was created.",
    ),
    "relay_remove_usage": Text(
        fr="Donnez le numéro du relais : /relais_retirer N (voir /relais)",
        en="Give the relay's number: /relais_retirer N (see /relais)",
    ),
    # Said of a relay who joined and of one whose invitation was still pending alike.
    "relay_removed": Text(
        fr="Le relais « {name} » (n° {id}) est retiré : son lien d'invitation et les "
        "commandes des relais ne marchent plus pour lui. Ses chiffres restent dans la liste "
        "des relais.",
        en="Relay “{name}” (no. {id}) is removed: their invitation link and the relay "
        "commands no longer work for them. Their figures stay in the list of relays.",
    ),
    "relay_unknown": Text(fr="Aucun relais n° {id}.", en="No relay no. {id}."),
    "relay_list_empty": Text(
        fr="Aucun relais pour l'instant. Créez-en un : /relais_nouveau NOM",
        en="No relay yet. Create one: /relais_nouveau NAME",
    ),
    # `parole relay list`: at the command line, the command to suggest is the CLI's own.
    "relay_list_empty_cli": Text(
        fr="Aucun relais pour l'instant. Créez-en un : parole relay add NOM",
        en="No relay yet. Create one: parole relay add NAME",
    ),
    "relay_list_title": Text(
        fr="Relais (venus par le lien / terminés / saisies / papier) :",
        en="Relays (reached by link / completed / assisted / paper):",
    ),
    "relay_pending": Text(fr="invitation en attente", en="invitation pending"),
    "relay_inactive": Text(fr="retiré", en="removed"),
    # Invitation
    "invitation_accepted": Text(
        fr="Bienvenue ! Vous êtes maintenant relais « {name} ».\n\n"
        "/monlien : votre lien et votre QR code à partager\n"
        "/saisie : saisir les réponses d'une personne rencontrée\n"
        "/bilan : combien de personnes vous avez touchées\n"
        "/papier : le questionnaire papier à imprimer\n\n"
        "Vous ne voyez jamais les réponses des personnes : seulement des nombres.",
        en="Welcome! You are now relay “{name}”.\n\n"
        "/monlien: your link and QR code to share\n"
        "/saisie: enter the answers of someone you meet\n"
        "/bilan: how many people you reached\n"
        "/papier: the paper questionnaire to print\n\n"
        "You never see what people answered: only numbers.",
    ),
    "invitation_used": Text(
        fr="Ce lien d'invitation a déjà servi. Demandez-en un nouveau à l'équipe de la ville.",
        en="This invitation link was already used. Ask the city team for a new one.",
    ),
    "invitation_cancelled": Text(
        fr="Ce lien d'invitation a été annulé par l'équipe de la ville. Demandez-lui un "
        "nouveau lien si besoin.",
        en="This invitation link was cancelled by the city team. Ask them for a new one if needed.",
    ),
    "invitation_expired": Text(
        fr="Ce lien d'invitation a expiré. Demandez-en un nouveau à l'équipe de la ville.",
        en="This invitation link has expired. Ask the city team for a new one.",
    ),
    "invitation_unknown": Text(
        fr="Ce lien d'invitation n'est pas valable. Demandez-en un nouveau à l'équipe de la ville.",
        en="This invitation link is not valid. Ask the city team for a new one.",
    ),
    "invitation_already_relay": Text(
        fr="Ce compte est déjà relais « {name} ». Ce lien n'a pas été utilisé.",
        en="This account is already relay “{name}”. This link was not used.",
    ),
    # Link and QR code
    "my_link": Text(
        fr="Votre lien à partager :\n{link}\n\n"
        "Le QR code ci-dessous peut être imprimé sur une affiche ou un flyer. "
        "Les personnes qui arrivent par ce lien sont comptées pour vous : "
        "vous ne verrez que leur nombre.",
        en="Your link to share:\n{link}\n\n"
        "The QR code below can be printed on a poster or a flyer. "
        "People who come through this link are counted for you: you will only see how many.",
    ),
    "own_link": Text(
        fr="C'est votre propre lien : il marche. Les personnes qui l'ouvrent sont comptées "
        "pour vous, mais pas vous-même.",
        en="This is your own link: it works. People who open it are counted for you, but not you.",
    ),
    "qr_caption": Text(fr="{title}\n{link}", en="{title}\n{link}"),
    # Assisted entry
    # Nothing can tell that the person already answered (everyone is anonymous): the relay
    # asks, or their answers would count twice.
    "entry_consent": Text(
        fr="Saisie pour une personne rencontrée. Si elle a déjà répondu (sur son téléphone "
        "ou sur papier), ne saisissez pas ses réponses : elles compteraient deux fois.\n\n"
        "Lisez-lui d'abord ceci :\n\n{welcome}\n\n{privacy}\n\n"
        "La personne est-elle d'accord pour répondre ?",
        en="Entry for someone you met. If they already answered (on their phone or on "
        "paper), do not enter their answers: they would count twice.\n\n"
        "First read this to them:\n\n{welcome}\n\n{privacy}\n\n"
        "Does the person agree to answer?",
    ),
    # The residents' privacy paragraph names /mesdonnees and /oubli, which someone answering
    # through a relay cannot use: their answers cannot be traced back to them at all.
    "entry_privacy": Text(
        fr="🔒 Ce qui est gardé : vos réponses et leur date, sous un numéro anonyme, sans "
        "votre nom ni rien qui permette de vous retrouver : ni moi ni la ville ne pourrons "
        "ensuite vous les rattacher. Pour quoi : préparer le Contrat de ville. Tout est "
        "effacé {duration} après votre dernière réponse.",
        en="🔒 What is kept: your answers and their date, under an anonymous number, without "
        "your name or anything that could identify you: neither I nor the city can link "
        "them to you afterwards. What for: preparing the Contrat de ville. Everything is "
        "deleted {duration} after your last answer.",
    ),
    "entry_agree": Text(
        fr="✅ La personne est d'accord pour répondre", en="✅ The person agrees to answer"
    ),
    "entry_agree_for": Text(fr="✅ D'accord : {title}", en="✅ Agrees: {title}"),
    "entry_cancel": Text(fr="Annuler", en="Cancel"),
    "entry_cancelled": Text(
        fr="Saisie annulée : rien n'a été enregistré.", en="Entry cancelled: nothing was saved."
    ),
    "entry_started": Text(
        fr="Saisie commencée : lisez chaque question à la personne, puis touchez sa réponse. "
        "Ses réponses sont anonymes.",
        en="Entry started: read each question to the person, then tap their answer. "
        "Their answers are anonymous.",
    ),
    "entry_pending": Text(
        fr="Une saisie est en cours (réponses déjà enregistrées : {answered}).\n\n"
        "Continuez-la avec la même personne, ou commencez-en une nouvelle : dès que la "
        "nouvelle personne est d'accord, celle-ci est abandonnée et comptée comme un "
        "questionnaire non terminé.",
        en="An entry is under way (answers already saved: {answered}).\n\n"
        "Continue it with the same person, or start a new one: as soon as the new person "
        "agrees, this one is abandoned and counted as an unfinished questionnaire.",
    ),
    "entry_set_aside": Text(
        fr="Une saisie a été mise de côté (réponses déjà enregistrées : {answered}).\n\n"
        "Reprenez-la avec la même personne, ou commencez-en une nouvelle : dès que la "
        "nouvelle personne est d'accord, celle mise de côté est abandonnée et comptée comme "
        "un questionnaire non terminé.",
        en="An entry was set aside (answers already saved: {answered}).\n\n"
        "Resume it with the same person, or start a new one: as soon as the new person "
        "agrees, the one set aside is abandoned and counted as an unfinished questionnaire.",
    ),
    "entry_resume": Text(fr="▶️ Reprendre cette saisie", en="▶️ Resume this entry"),
    "entry_resumed": Text(
        fr="Saisie reprise : voici où elle en est.",
        en="Entry resumed: here is where it stands.",
    ),
    "entry_gone": Text(
        fr="Cette saisie n'est plus en cours : elle a été terminée ou abandonnée.",
        en="This entry is no longer under way: it was completed or abandoned.",
    ),
    "entry_still_set_aside": Text(
        fr="La saisie mise de côté vous attend toujours : /saisie pour la reprendre.",
        en="The entry set aside is still waiting: /saisie to resume it.",
    ),
    "entry_done": Text(
        fr="✅ Saisie terminée : merci ! Les réponses de cette personne sont enregistrées.",
        en="✅ Entry complete: thank you! This person's answers are saved.",
    ),
    "entry_what_next": Text(
        fr="Une autre personne ? Touchez « Nouvelle saisie », ou plus tard /saisie. "
        "Vos chiffres : /bilan",
        en="Someone else? Tap “New entry”, or later /saisie. Your figures: /bilan",
    ),
    "entry_next": Text(fr="➕ Nouvelle saisie", en="➕ New entry"),
    "entry_finish": Text(fr="Terminer", en="Finish"),
    "entry_finished_resume": Text(
        fr="Saisies terminées. Pour reprendre vos propres réponses : /reprendre",
        en="Entries finished. To go back to your own answers: /reprendre",
    ),
    "entry_finished_start": Text(
        fr="Saisies terminées. Pour répondre vous-même à la consultation : /start",
        en="Entries finished. To answer the consultation yourself: /start",
    ),
    "entry_left": Text(
        fr="Saisie mise de côté, ses réponses sont gardées : /saisie pour la reprendre. "
        "La suite concerne vos propres réponses.",
        en="Entry set aside, its answers are kept: /saisie to resume it. "
        "What follows is about your own answers.",
    ),
    # While an entry is under way, what the relay types or taps that is not the person's
    # answer says what it did, and never touches the relay's own participation.
    "entry_language_fr": Text(
        fr="Les questions de cette saisie sont maintenant en français (/langue pour passer à "
        "l'anglais). La langue de vos propres réponses ne change pas.",
        en="This entry's questions are now in French (/langue to switch to English). "
        "The language of your own answers does not change.",
    ),
    "entry_language_en": Text(
        fr="Les questions de cette saisie sont maintenant en anglais (/langue pour revenir au "
        "français). La langue de vos propres réponses ne change pas.",
        en="This entry's questions are now in English (/langue to switch back to French). "
        "The language of your own answers does not change.",
    ),
    "entry_button_own": Text(
        fr="Une saisie est en cours : ce bouton est celui de vos propres réponses, rien n'a "
        "été enregistré. Pour y revenir : /reprendre",
        en="An entry is under way: this button belongs to your own answers, nothing was "
        "saved. To go back to them: /reprendre",
    ),
    "entry_button_set_aside": Text(
        fr="Cette saisie est mise de côté : /saisie pour la reprendre.",
        en="This entry is set aside: /saisie to resume it.",
    ),
    # A removed relay's message or press while their entry was under way (see
    # bot.relays.Entries.stopped): nothing of it is stored, in the entry or in their own answers.
    "entry_stopped": Text(
        fr="Vous n'êtes plus relais : l'équipe de la ville vous a retiré. La saisie en cours "
        "s'est donc arrêtée, et ce message n'a pas été enregistré. Les réponses déjà "
        "saisies pour cette personne sont gardées, comme un questionnaire inachevé. Pour "
        "répondre pour vous-même, envoyez /start ou /reprendre.",
        en="You are no longer a relay: the city team removed you. So the entry under way "
        "stopped, and this message was not saved. The answers already entered for this "
        "person are kept, as an unfinished questionnaire. To answer for yourself, send "
        "/start or /reprendre.",
    ),
    "entry_button_over": Text(
        fr="Cette saisie n'est plus en cours : ce bouton n'est plus actif.",
        en="This entry is no longer under way: this button is no longer active.",
    ),
    "entry_own_data": Text(
        fr="Une saisie est en cours : /mesdonnees et /oubli ne concernent que vos propres "
        "réponses, jamais celles de la personne, qui sont anonymes.",
        en="An entry is under way: /mesdonnees and /oubli only concern your own answers, "
        "never the person's, which are anonymous.",
    ),
    "relay_help": Text(
        fr="Relais : /monlien (votre lien et votre QR code), /saisie (saisir les réponses "
        "d'une personne rencontrée), /bilan (vos chiffres), /papier (le questionnaire papier "
        "à imprimer).\n\n"
        "Pendant une saisie, vos messages, /passer et /retour vont à la saisie, et /langue "
        "change la langue de ses questions. /start ou /reprendre la mettent de côté pour "
        "revenir à vos propres réponses ; /saisie la reprend.",
        en="Relay: /monlien (your link and QR code), /saisie (enter the answers of someone "
        "you meet), /bilan (your figures), /papier (the paper questionnaire to print).\n\n"
        "During an entry, your messages, /passer and /retour go to the entry, and /langue "
        "switches the language of its questions. /start or /reprendre set it aside to go "
        "back to your own answers; /saisie resumes it.",
    ),
    # Report
    # One line per figure, this week then in total: Telegram's font is proportional, so
    # columns would not line up.
    "report": Text(
        fr="Bilan du relais « {name} »\n\n"
        "Personnes venues par votre lien : {w.reached} cette semaine, {t.reached} en tout\n"
        "Questionnaires terminés par ces personnes : {w.completed} cette semaine, "
        "{t.completed} en tout\n"
        "Saisies accompagnées : {w.assisted} cette semaine, {t.assisted} en tout\n"
        "Questionnaires papier : {w.paper} cette semaine, {t.paper} en tout\n\n"
        "La semaine commence le lundi. Vous ne voyez que des nombres : "
        "les réponses restent anonymes.",
        en="Report of relay “{name}”\n\n"
        "People reached by your link: {w.reached} this week, {t.reached} in total\n"
        "Questionnaires they completed: {w.completed} this week, {t.completed} in total\n"
        "Assisted entries: {w.assisted} this week, {t.assisted} in total\n"
        "Paper questionnaires: {w.paper} this week, {t.paper} in total\n\n"
        "The week starts on Monday. You only see numbers: answers stay anonymous.",
    ),
    # Command menu
    "cmd_monlien": Text(fr="Mon lien et mon QR code", en="My link and QR code"),
    "cmd_saisie": Text(
        fr="Saisir les réponses d'une personne rencontrée",
        en="Enter the answers of someone you met",
    ),
    # Removing a relay erases the link to their Telegram account; the name stays, staff's
    # record of who brought in which counts (digests and /relais still show it).
    "relay_data": Text(
        fr="Vous êtes relais : l'équipe de la ville garde le nom qu'elle a donné à votre "
        "invitation (« {name} »), un numéro anonyme calculé à partir de votre compte "
        "Telegram, et le nombre de personnes que vous amenez ou dont vous saisissez les "
        "réponses, sans savoir qui elles sont. Si l'équipe vous retire des relais, ce "
        "numéro anonyme est effacé aussitôt (pendant une saisie : dès que vous revenez à "
        "vos propres réponses) : ce compte n'est plus relié à ce nom. Le nom "
        "reste dans la liste des relais de l'équipe, avec ces nombres. Ce qui suit ne "
        "concerne que vos propres réponses.",
        en="You are a relay: the city team keeps the name it gave your invitation "
        "(“{name}”), an anonymous number computed from your Telegram account, and how many "
        "people you bring in or enter answers for, without knowing who they are. If the "
        "team removes you as a relay, this anonymous number is erased at once (during an "
        "entry: as soon as you go back to your own answers): this account is no longer "
        "linked to that name. The name stays in the team's list of relays, "
        "with these numbers. What follows is only about your own answers.",
    ),
    "cmd_bilan": Text(fr="Mon bilan de relais", en="My relay report"),
    "cmd_papier": Text(fr="Le questionnaire papier à imprimer", en="The paper form to print"),
    # The document's caption: on a phone, an .html file may open as text unless told where.
    "paper_caption": Text(
        fr="Questionnaire « {title} » : ouvrez-le dans un navigateur, puis imprimez-le.",
        en="Paper form “{title}”: open it in a browser, then print it.",
    ),
    "cmd_relais": Text(fr="Relais et leurs chiffres", en="Relays and their figures"),
    "cmd_relais_nouveau": Text(fr="Inviter un relais : NOM", en="Invite a relay: NAME"),
    "cmd_relais_retirer": Text(fr="Retirer un relais : N", en="Remove a relay: N"),
}


say = Messages(MESSAGES).say


def privacy_read_out(retention_days: int, lang: Lang) -> str:
    """What is kept of a person's answers, as a relay reads it out before asking them
    (an assisted entry, a paper questionnaire)."""
    return say("entry_privacy", lang, duration=duration(retention_days, lang))
