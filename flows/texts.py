"""Every fixed sentence the bot says, in French and English, shared by Telegram and the console."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flows.model import Lang, Text

# A placeholder with singular and plural forms: "{answers:réponse|réponses}".
_COUNTED = re.compile(r"\{\w+:[^{}|]*\|[^{}]*\}")


class Messages:
    """A table of fixed sentences by key, each in every language (the residents', relays',
    staff's…): `say` picks one and fills it.

    A number's placeholder can carry its noun in the singular and the plural,
    `{answers:réponse|réponses}`: "1 réponse", "3 réponses". With "#" in the spec, "#" stands
    for the number and a form without it shows none: `{n:votre réponse|vos # réponses}`.
    """

    def __init__(self, table: Mapping[str, Text]) -> None:
        self.table = table
        # Found once here, so that the other messages are filled as plainly as before.
        self._counted = frozenset(
            key
            for key, text in table.items()
            if _COUNTED.search(text.fr) or _COUNTED.search(text.en)
        )

    def say(self, key: str, lang: Lang, **values: object) -> str:
        """The message `key` in `lang`, with `{placeholders}` filled from `values`."""
        text = self.table[key].get(lang)
        if not values:
            return text
        if key in self._counted:
            values = {
                name: _Count(value, lang) if type(value) is int else value
                for name, value in values.items()
            }
        return text.format(**values)


class _Count:
    """A number that picks its noun's form from a placeholder's "singular|plural" spec.

    French takes the singular for 0 and 1 ("0 réponse"), English for 1 only ("0 answers").
    """

    __slots__ = ("lang", "n")

    def __init__(self, n: int, lang: Lang) -> None:
        self.n = n
        self.lang = lang

    def __format__(self, spec: str) -> str:
        if "|" not in spec:
            return format(self.n, spec)
        one, _, many = spec.partition("|")
        form = one if self.n == 1 or (self.lang == "fr" and self.n == 0) else many
        return form.replace("#", str(self.n)) if "#" in spec else f"{self.n} {form}"


MESSAGES: dict[str, Text] = {
    # Buttons
    "accept": Text(fr="✅ J'accepte", en="✅ I agree"),
    "decline": Text(fr="Non merci", en="No thanks"),
    "continue": Text(fr="Continuer ➡️", en="Continue ➡️"),
    "back": Text(fr="⬅️ Retour", en="⬅️ Back"),
    "skip": Text(fr="Passer ⏭", en="Skip ⏭"),
    "validate": Text(fr="Valider ✔️", en="Confirm ✔️"),
    "validate_count": Text(fr="Valider ({n}) ✔️", en="Confirm ({n}) ✔️"),
    "yes": Text(fr="Oui", en="Yes"),
    "no": Text(fr="Non", en="No"),
    "other": Text(fr="Autre…", en="Other…"),
    "resume": Text(fr="▶️ Reprendre", en="▶️ Resume"),
    "restart": Text(fr="🔄 Recommencer", en="🔄 Start again"),
    "restart_yes": Text(fr="🔄 Oui, recommencer", en="🔄 Yes, start again"),
    "restart_no": Text(fr="▶️ Non, reprendre", en="▶️ No, resume"),
    "keep": Text(fr="Garder ma réponse ✔️", en="Keep my answer ✔️"),
    "keep_text": Text(fr="Garder ce texte ✔️", en="Keep this text ✔️"),
    "skip_erase": Text(fr="Effacer et passer ⏭", en="Erase and skip ⏭"),
    "review": Text(fr="✏️ Changer une réponse", en="✏️ Change an answer"),
    "selected": Text(fr="✅ {label}", en="✅ {label}"),
    "unselected": Text(fr="▫️ {label}", en="▫️ {label}"),
    # The welcome's button to the other language, named in that language.
    "other_language": Text(fr="English", en="Français"),
    # Question screens
    "progress": Text(fr="Question {n} sur {total}", en="Question {n} of {total}"),
    "hint_single": Text(fr="Touchez une réponse.", en="Tap one answer."),
    "hint_multi": Text(
        fr="Touchez une ou plusieurs réponses, puis « Valider ».",
        en="Tap one or more answers, then “Confirm”.",
    ),
    "hint_multi_max": Text(
        fr="Touchez jusqu'à {max} réponses, puis « Valider ».",
        en="Tap up to {max} answers, then “Confirm”.",
    ),
    "hint_text": Text(
        fr="Écrivez votre réponse dans un message ({max} caractères au plus).",
        en="Write your answer in a message ({max} characters at most).",
    ),
    "hint_scale": Text(
        fr="Touchez un nombre de {min} à {max}.", en="Tap a number from {min} to {max}."
    ),
    "hint_scale_labels": Text(
        fr="Touchez un nombre de {min} ({min_label}) à {max} ({max_label}).",
        en="Tap a number from {min} ({min_label}) to {max} ({max_label}).",
    ),
    "hint_optional": Text(
        fr="Vous pouvez passer cette question.", en="You can skip this question."
    ),
    # A list's ticks in words: a screen reader reads "✅" and "▫️" as symbols' names.
    "your_picks": Text(fr="Vos choix : {choices}", en="Your choices: {choices}"),
    "picked": Text(fr="Choisi : {label}", en="Chosen: {label}"),
    "unpicked": Text(fr="Enlevé : {label}", en="Removed: {label}"),
    # A question answered earlier, shown again (after "Retour")
    "current_answer": Text(
        fr="Votre réponse actuelle : « {answer} »", en="Your current answer: “{answer}”"
    ),
    "current_other": Text(fr="Vous aviez précisé : « {answer} »", en="You had written: “{answer}”"),
    "hint_current": Text(fr="✅ : votre réponse actuelle.", en="✅: your current answer."),
    "hint_text_answered": Text(
        fr="Pour la changer, écrivez une nouvelle réponse ({max} caractères au plus). "
        "Sinon, touchez « Garder ma réponse ».",
        en="To change it, write a new answer ({max} characters at most). "
        "Otherwise, tap “Keep my answer”.",
    ),
    "other_prompt": Text(
        fr="Vous avez choisi « Autre… ». Écrivez votre réponse en quelques mots, dans un message.",
        en="You chose “Other…”. Write your answer in a few words, in a message.",
    ),
    "your_answer": Text(fr="✔️ Votre réponse : {answer}", en="✔️ Your answer: {answer}"),
    # The review: every answer so far, and a button to go back to each question.
    "review_title": Text(
        fr="Quelle réponse voulez-vous changer ?", en="Which answer would you like to change?"
    ),
    "review_line": Text(fr="{n}. {question}\n{answer}", en="{n}. {question}\n{answer}"),
    "review_hint": Text(
        fr="Choisissez une question pour changer sa réponse. "
        "Ensuite, vous reviendrez à la dernière question.",
        en="Choose a question to change its answer. Then you will come back to the last question.",
    ),
    "skipped": Text(fr="⏭ Question passée", en="⏭ Question skipped"),
    "answer_erased": Text(
        fr="⏭ Réponse effacée, question passée", en="⏭ Answer erased, question skipped"
    ),
    "accepted": Text(fr="✔️ Accepté", en="✔️ Agreed"),
    # Problems with an answer
    "too_few": Text(
        fr="Choisissez au moins {n:réponse|réponses}, puis touchez « Valider ».",
        en="Choose at least {n:answer|answers}, then tap “Confirm”.",
    ),
    "too_many": Text(
        fr="Pas plus de {n} réponses. Touchez d'abord une réponse cochée pour l'enlever.",
        en="No more than {n} answers. First tap a ticked answer to remove it.",
    ),
    "required": Text(
        fr="Cette question est obligatoire : vous ne pouvez pas la passer.",
        en="This question is required: you cannot skip it.",
    ),
    "first_question": Text(fr="C'est la première question.", en="This is the first question."),
    "empty_text": Text(
        fr="Votre message est vide. Écrivez votre réponse.",
        en="Your message is empty. Please write your answer.",
    ),
    "too_long": Text(
        fr="Votre réponse est trop longue : {n} caractères, pour {max} au plus. "
        "Merci de la raccourcir.",
        en="Your answer is too long: {n} characters, {max} at most. Please shorten it.",
    ),
    "use_buttons": Text(
        fr="Je n'ai pas compris. Choisissez une réponse ci-dessous, ou écrivez son numéro.",
        en="I did not understand. Pick an answer below, or type its number.",
    ),
    "welcome_back": Text(
        fr="Bonjour ! Voici la question où vous en étiez.",
        en="Hello! Here is the question you were at.",
    ),
    "stale": Text(
        fr="Ce bouton n'est plus actif. Voici où vous en êtes.",
        en="This button is no longer active. Here is where you are.",
    ),
    "already_saved": Text(
        fr="Votre réponse est déjà enregistrée.", en="Your answer is already saved."
    ),
    # Session ends
    "declined": Text(
        fr="D'accord. Rien n'a été enregistré. Si vous changez d'avis, tapez /start.",
        en="All right. Nothing was saved. If you change your mind, type /start.",
    ),
    "already_done": Text(
        fr="Vous avez déjà répondu à cette consultation. Merci !",
        en="You have already answered this consultation. Thank you!",
    ),
    # Commands and conversation around the consultation
    "choose_consultation": Text(
        fr="Plusieurs consultations sont ouvertes. À laquelle voulez-vous répondre ?",
        en="Several consultations are open. Which one would you like to answer?",
    ),
    "resume_or_restart": Text(
        fr="Vous aviez commencé « {title} » ({answered:réponse|réponses}). "
        "Voulez-vous reprendre là où vous en étiez, ou recommencer ?",
        en="You started “{title}” ({answered:answer|answers}). "
        "Would you like to resume where you left off, or start again?",
    ),
    "restart_confirm": Text(
        fr="Effacer {answered:votre réponse|vos # réponses} et recommencer au début ? "
        "C'est définitif.",
        en="Erase {answered:your answer|your # answers} and start again from the beginning? "
        "This cannot be undone.",
    ),
    "nothing_to_resume": Text(
        fr="Vous n'avez pas de consultation en cours. Tapez /start pour commencer.",
        en="You have no consultation in progress. Type /start to begin.",
    ),
    "no_consultation": Text(
        fr="Aucune consultation n'est ouverte en ce moment. Merci de revenir plus tard !",
        en="No consultation is open right now. Please come back later!",
    ),
    "closed": Text(
        fr="La consultation « {title} » est fermée depuis le {date}. "
        "Merci ! Les réponses déjà données sont bien gardées.",
        en="The consultation “{title}” closed on {date}. "
        "Thank you! The answers already given are kept safe.",
    ),
    "not_open_yet": Text(
        fr="La consultation « {title} » ouvrira le {date}. À bientôt !",
        en="The consultation “{title}” will open on {date}. See you soon!",
    ),
    "others_open": Text(
        fr="D'autres consultations sont ouvertes : tapez /start pour les voir.",
        en="Other consultations are open: type /start to see them.",
    ),
    "unknown_consultation": Text(
        fr="Ce lien ne correspond à aucune consultation ouverte.",
        en="This link does not match any open consultation.",
    ),
    "help": Text(
        fr="Je vous pose les questions d'une consultation de votre ville, "
        "surtout avec des boutons.\n\n"
        "/start : commencer ou choisir une consultation\n"
        "/reprendre : reprendre là où vous en étiez\n"
        "/retour : revenir à la question précédente\n"
        "/passer : passer la question\n"
        "/langue : English / français\n"
        "/confidentialite : vos données et vos droits\n"
        "/mesdonnees : voir ce qui est gardé sur vous\n"
        "/oubli : tout effacer\n"
        "/stop : ne plus recevoir de nouvelles de la ville\n"
        "/aide : ce message\n\n"
        "Vous pouvez arrêter quand vous voulez et revenir plus tard : "
        "vos réponses sont gardées.",
        en="I ask you the questions of a consultation run by your city, "
        "mostly with buttons.\n\n"
        "/start: begin or choose a consultation\n"
        "/reprendre: resume where you left off\n"
        "/retour: go back to the previous question\n"
        "/passer: skip the question\n"
        "/langue: English / français\n"
        "/confidentialite: your data and your rights\n"
        "/mesdonnees: see what is kept about you\n"
        "/oubli: erase everything\n"
        "/stop: no more news from the city\n"
        "/aide: this message\n\n"
        "You can stop whenever you like and come back later: your answers are kept.",
    ),
    # The terminal's /aide (`parole chat`): only what works there.
    "console_help": Text(
        fr="Je vous pose les questions d'une consultation de votre ville.\n\n"
        "Tapez le numéro d'un bouton, ou votre réponse.\n"
        "/start : commencer ou choisir une consultation\n"
        "/reprendre : reprendre là où vous en étiez\n"
        "/langue : English / français\n"
        "/retour : revenir à la question précédente\n"
        "/passer : passer une question facultative\n"
        "/confidentialite : vos données et vos droits\n"
        "/mesdonnees : voir ce qui est gardé sur vous\n"
        "/oubli : tout effacer\n"
        "/quitter : arrêter ; vos réponses sont gardées\n"
        "/aide : ce message",
        en="I ask you the questions of a consultation run by your city.\n\n"
        "Type a button's number, or your answer.\n"
        "/start: begin or choose a consultation\n"
        "/reprendre: resume where you left off\n"
        "/langue: English / français\n"
        "/retour: go back to the previous question\n"
        "/passer: skip an optional question\n"
        "/confidentialite: your data and your rights\n"
        "/mesdonnees: see what is kept about you\n"
        "/oubli: erase everything\n"
        "/quitter: stop; your answers are kept\n"
        "/aide: this message",
    ),
    "language_set": Text(
        fr="C'est noté, je vous parle en français.", en="Got it, I will speak English."
    ),
    "unsupported_content": Text(
        fr="Je ne lis que les messages écrits et les boutons. "
        "Répondez avec un bouton ou un message texte.",
        en="I can only read text messages and buttons. Please answer with a button or text.",
    ),
    "group_chat": Text(
        fr="Bonjour ! Cette consultation est personnelle et anonyme : "
        "elle se fait en message privé. Écrivez-moi ici : {link}",
        en="Hello! This consultation is personal and anonymous: "
        "it happens in a private chat. Write to me here: {link}",
    ),
    # `parole chat`'s last words, and what it says under the thanks.
    "goodbye": Text(
        fr="À bientôt ! Vos réponses sont gardées : lancez la même commande pour continuer.",
        en="See you soon! Your answers are kept: run the same command again to continue.",
    ),
    "goodbye_done": Text(fr="Merci, et à bientôt !", en="Thank you, see you soon!"),
    "goodbye_not_started": Text(
        fr="À bientôt ! Rien n'a été enregistré.", en="See you soon! Nothing was saved."
    ),
    "console_done": Text(
        fr="Ici : /mesdonnees pour revoir vos réponses, /oubli pour les effacer (et répondre "
        "à nouveau), /quitter pour arrêter.",
        en="Here: /mesdonnees to see your answers again, /oubli to erase them (and answer "
        "again), /quitter to stop.",
    ),
    "console_file": Text(
        fr="Elles sont dans ce fichier : {path}", en="They are in this file: {path}"
    ),
    "cmd_start": Text(
        fr="Commencer ou choisir une consultation", en="Start or choose a consultation"
    ),
    "cmd_reprendre": Text(fr="Reprendre là où j'en étais", en="Resume where I left off"),
    "cmd_langue": Text(fr="Changer de langue (English)", en="Change language (français)"),
    "cmd_aide": Text(fr="Aide et commandes", en="Help and commands"),
    # Privacy: consent, access, erasure (bot/privacy.py fills the values)
    "consent_prompt": Text(
        fr="Touchez « J'accepte » pour commencer : vos réponses seront alors enregistrées.",
        en="Tap “I agree” to start: your answers will then be saved.",
    ),
    "privacy_welcome": Text(
        fr="🔒 Ce qui est gardé : vos réponses et leur date, sous un numéro anonyme. "
        "Pour quoi : préparer le Contrat de ville. Tout est effacé {duration} après votre "
        "dernière réponse. À tout moment : /mesdonnees pour tout voir, /oubli pour "
        "tout effacer, /confidentialite pour les détails.",
        en="🔒 What is kept: your answers and their date, under an anonymous number. "
        "What for: preparing the Contrat de ville. Everything is deleted {duration} after "
        "your last answer. At any time: /mesdonnees to see it all, /oubli to erase it all, "
        "/confidentialite for the details.",
    ),
    "privacy_notice": Text(
        fr="🔒 Vos données et vos droits\n\n"
        "Qui est responsable : {controller}.{contact}\n\n"
        "Ce qui est gardé : vos réponses aux questions, leur date, la langue choisie "
        "et un numéro anonyme calculé à partir de votre compte Telegram (il ne permet de "
        "retrouver ni votre nom ni votre numéro de téléphone). Si vous demandez à être "
        "informé·e des suites, le numéro de cette conversation est gardé à part, chiffré, "
        "seulement pour vous envoyer ces nouvelles, avec la liste de celles déjà reçues "
        "(pour ne pas vous envoyer deux fois la même).\n\n"
        "Pour quoi : préparer le Contrat de ville de votre quartier. Un message qui "
        "parle de violence ou de danger est compté (jamais cité) pour que la ville sache "
        "qu'il faut agir.\n\n"
        "Qui lit : l'équipe de la mairie chargée de la politique de la ville. Elle "
        "reçoit des résumés (des nombres, où les groupes de moins de {min_group} "
        "personnes sont cachés, et quelques phrases écrites) et le tableau de toutes les "
        "réponses, sans nom ni compte Telegram. Ce que vous écrivez y figure tel quel : "
        "n'y mettez ni nom ni numéro de téléphone.\n\n"
        "Combien de temps : {duration} après votre dernière réponse, puis tout est "
        "effacé automatiquement. Les copies de sauvegarde de la ville gardent vos "
        "données jusqu'à ce qu'elles soient remplacées par des copies plus récentes.\n\n"
        "Vos droits : /mesdonnees vous envoie tout ce qui est gardé sur vous, "
        "/oubli efface tout. Vous pouvez aussi écrire au responsable.\n\n"
        "⚠️ Ce bot n'est pas un service d'urgence et n'est pas surveillé en temps réel. "
        "En cas de danger, appelez le 17 (police) ou le 112. Si vous ne pouvez pas parler, "
        "envoyez un SMS au 114.\n\n"
        "Telegram garde de son côté l'historique de cette conversation : vous pouvez "
        "l'effacer dans l'application.",
        en="🔒 Your data and your rights\n\n"
        "Who is responsible: {controller}.{contact}\n\n"
        "What is kept: your answers, their date, the language you chose and an "
        "anonymous number computed from your Telegram account (it reveals neither your name "
        "nor your phone number). If you ask to hear what happens next, the number of this "
        "chat is kept apart, encrypted, only to send you that news, with a list of the news "
        "you already got (so none comes twice).\n\n"
        "What for: preparing the Contrat de ville of your neighbourhood. A message "
        "about violence or danger is counted (never quoted) so the city knows it must "
        "act.\n\n"
        "Who reads it: the city team in charge of the priority neighbourhoods. They "
        "get summaries (numbers, where groups under {min_group} people are hidden, and a "
        "few written sentences) and the table of all answers, without names or Telegram "
        "accounts. What you write appears there as written: leave out names and phone "
        "numbers.\n\n"
        "How long: {duration} after your last answer, then everything is deleted "
        "automatically. The city's backup copies keep your data until they are "
        "replaced by newer ones.\n\n"
        "Your rights: /mesdonnees sends you everything kept about you, /oubli "
        "erases it all. You can also write to the person responsible.\n\n"
        "⚠️ This bot is not an emergency service and is not watched in real time. "
        "If you are in danger, call 17 (police) or 112. If you cannot speak, send a text "
        "message to 114.\n\n"
        "Telegram keeps its own history of this chat: you can delete it in the app.",
    ),
    "privacy_contact": Text(fr="\nContact : {contact}", en="\nContact: {contact}"),
    "mydata_summary": Text(
        fr="📄 Voici tout ce qui est gardé sur vous : {sessions:consultation|consultations}, "
        "{answers:réponse|réponses}. Message de suivi : {contact}. Le détail est dans le "
        "fichier. Pour tout effacer : /oubli.",
        en="📄 Here is everything kept about you: {sessions:consultation|consultations}, "
        "{answers:answer|answers}. Follow-up message: {contact}. The details are in the "
        "file. To erase it all: /oubli.",
    ),
    "nothing_stored": Text(
        fr="Aucune réponse de votre part n'est enregistrée : il n'y a rien à voir ni à effacer.",
        en="No answer of yours is stored: there is nothing to see or erase.",
    ),
    "forget_confirm": Text(
        fr="Voulez-vous vraiment tout effacer ? Vos réponses ({answers}), vos "
        "consultations ({sessions}) et votre numéro anonyme seront supprimés, sans retour "
        "possible. Les résumés déjà envoyés à la mairie ne changent pas ; les suivants ne "
        "compteront plus vos réponses.",
        en="Do you really want to erase everything? Your answers ({answers}), your "
        "consultations ({sessions}) and your anonymous number will be deleted, for good. "
        "Summaries already sent to the city do not change; later ones will no longer "
        "count your answers.",
    ),
    "forget_yes": Text(fr="🗑 Oui, tout effacer", en="🗑 Yes, erase everything"),
    "forget_no": Text(fr="Annuler", en="Cancel"),
    "forgotten": Text(
        fr="C'est fait : tout ce qui vous concernait est effacé. Les copies de sauvegarde "
        "de la ville gardent vos données jusqu'à ce qu'elles soient remplacées par des copies "
        "plus récentes. Si vous revenez, vous serez une nouvelle personne pour ce "
        "bot.",
        en="Done: everything about you is erased. The city's backup copies keep your "
        "data until they are replaced by newer ones. If you come back, you will be a new "
        "person to this bot.",
    ),
    "forget_cancelled": Text(
        fr="D'accord, rien n'a été effacé.", en="All right, nothing was erased."
    ),
    "text_capped": Text(
        fr="Votre message fait {n} caractères : c'est trop long ({max} au plus). "
        "Merci de le raccourcir. Rien n'a été enregistré.",
        en="Your message is {n} characters long: that is too long ({max} at most). "
        "Please shorten it. Nothing was saved.",
    ),
    "flood": Text(
        fr="Doucement… 🙂 Je reçois beaucoup de messages d'un coup. Attendez quelques "
        "secondes, puis continuez.",
        en="Not so fast… 🙂 I am getting many messages at once. Wait a few seconds, then go on.",
    ),
    # What the bot does not take as an answer
    "text_capped_part": Text(
        fr="Ce message semble être la suite du précédent, qui était trop long : il n'a pas "
        "été enregistré non plus. Envoyez une réponse plus courte ({max} caractères au plus), "
        "en un seul message.",
        en="This message seems to be the rest of the previous one, which was too long: it was "
        "not saved either. Please send a shorter answer ({max} characters at most), in one "
        "message.",
    ),
    "flood_buttons": Text(
        fr="Doucement… 🙂 Vous touchez les boutons très vite. Attendez quelques secondes, "
        "puis continuez.",
        en="Not so fast… 🙂 You are tapping the buttons very fast. Wait a few seconds, then go on.",
    ),
    "edit_ignored": Text(
        fr="✏️ Je ne tiens pas compte des messages modifiés : votre réponse enregistrée n'a "
        "pas changé. Pour la changer, écrivez-la dans un nouveau message "
        "(/retour pour revenir à une question précédente).",
        en="✏️ I do not take edited messages into account: your saved answer has not changed. "
        "To change it, send it again as a new message (/retour to go back to an earlier "
        "question).",
    ),
    "forwarded_refused": Text(
        fr="Je ne garde pas les messages transférés : ils peuvent parler d'autres personnes. "
        "Écrivez votre réponse vous-même, avec vos mots. Rien n'a été enregistré.",
        en="I do not keep forwarded messages: they may be about other people. Please write "
        "your answer yourself, in your own words. Nothing was saved.",
    ),
    "caption_not_kept": Text(
        fr="Je ne garde ni les photos, ni les fichiers, ni le texte envoyé avec. Pour "
        "répondre, renvoyez votre texte seul, dans un message sans pièce jointe.",
        en="I do not keep photos or files, nor the text sent with them. To answer, send your "
        "text again on its own, in a message without an attachment.",
    ),
    "cmd_confidentialite": Text(fr="Vos données et vos droits", en="Your data and rights"),
    "cmd_mesdonnees": Text(fr="Voir tout ce qui est gardé sur moi", en="See my data"),
    "cmd_oubli": Text(fr="Tout effacer", en="Erase my data"),
    "cmd_stop": Text(fr="Ne plus recevoir de nouvelles", en="No more news"),
}

# Sent by the error handler, in both languages at once: the failure may be in finding out
# which language the resident speaks.
ERROR_MESSAGE = (
    "😕 Désolé, un problème technique m'a empêché de répondre. Vos réponses déjà données "
    "sont bien gardées. Réessayez dans un moment, ou tapez /reprendre.\n\n"
    "Sorry, something went wrong on my side. Your answers are safe. "
    "Please try again in a moment, or type /reprendre."
)


say = Messages(MESSAGES).say
