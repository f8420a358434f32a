"""Every fixed sentence the bot says, in French and English, shared by Telegram and the console."""

from __future__ import annotations

from flows.model import Lang, Text

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
    "selected": Text(fr="✅ {label}", en="✅ {label}"),
    "unselected": Text(fr="▫️ {label}", en="▫️ {label}"),
    # Question screens
    "progress": Text(fr="Question {n}/{total}", en="Question {n}/{total}"),
    "hint_single": Text(fr="Touchez une réponse.", en="Tap one answer."),
    "hint_multi": Text(
        fr="Touchez une ou plusieurs réponses, puis « Valider ».",
        en="Tap one or more answers, then “Confirm”.",
    ),
    "hint_multi_max": Text(
        fr="Jusqu'à {max} réponses, puis « Valider ».",
        en="Up to {max} answers, then “Confirm”.",
    ),
    "hint_text": Text(
        fr="Écrivez votre réponse dans un message ({max} caractères au plus).",
        en="Write your answer in a message ({max} characters at most).",
    ),
    "hint_scale": Text(fr="De {min} à {max}.", en="From {min} to {max}."),
    "hint_scale_labels": Text(
        fr="De {min} ({min_label}) à {max} ({max_label}).",
        en="From {min} ({min_label}) to {max} ({max_label}).",
    ),
    "hint_optional": Text(
        fr="Vous pouvez passer cette question.", en="You can skip this question."
    ),
    "other_prompt": Text(
        fr="Vous avez choisi « Autre ». Précisez en quelques mots, dans un message.",
        en="You chose “Other”. Please say more in a few words, in a message.",
    ),
    "your_answer": Text(fr="✔️ Votre réponse : {answer}", en="✔️ Your answer: {answer}"),
    "skipped": Text(fr="⏭ Question passée", en="⏭ Question skipped"),
    "accepted": Text(fr="✔️ Accepté", en="✔️ Agreed"),
    # Problems with an answer
    "too_few": Text(
        fr="Choisissez au moins {n} réponse(s), puis « Valider ».",
        en="Choose at least {n} answer(s), then “Confirm”.",
    ),
    "too_many": Text(
        fr="Pas plus de {n} réponses. Enlevez-en une d'abord.",
        en="No more than {n} answers. Remove one first.",
    ),
    "required": Text(
        fr="Cette question est obligatoire : elle ne peut pas être passée.",
        en="This question is required: it cannot be skipped.",
    ),
    "first_question": Text(fr="C'est la première question.", en="This is the first question."),
    "empty_text": Text(
        fr="Votre message est vide. Écrivez votre réponse.",
        en="Your message is empty. Please write your answer.",
    ),
    "too_long": Text(
        fr="Votre réponse fait {n} caractères, {max} au plus. Merci de la raccourcir.",
        en="Your answer is {n} characters long, {max} at most. Please shorten it.",
    ),
    "use_buttons": Text(
        fr="Je n'ai pas compris. Touchez un bouton, ou tapez son numéro.",
        en="I did not understand. Tap a button, or type its number.",
    ),
    "stale": Text(
        fr="Ce bouton n'est plus actif. Voici où vous en êtes.",
        en="This button is no longer active. Here is where you are.",
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
        fr="Plusieurs consultations sont ouvertes. Laquelle voulez-vous faire ?",
        en="Several consultations are open. Which one would you like to do?",
    ),
    "resume_or_restart": Text(
        fr="Vous aviez commencé « {title} » ({answered} réponse(s)). "
        "Voulez-vous reprendre où vous en étiez, ou recommencer ?",
        en="You started “{title}” ({answered} answer(s)). "
        "Would you like to resume where you were, or start again?",
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
        en="The consultation “{title}” opens on {date}. See you soon!",
    ),
    "unknown_consultation": Text(
        fr="Ce lien ne correspond à aucune consultation. Voici celles qui sont ouvertes.",
        en="This link does not match any consultation. Here are the open ones.",
    ),
    "help": Text(
        fr="Je vous pose les questions d'une consultation de votre ville, "
        "surtout avec des boutons.\n\n"
        "/start : commencer ou choisir une consultation\n"
        "/reprendre : reprendre là où vous en étiez\n"
        "/langue : English / français\n"
        "/aide : ce message\n\n"
        "Vous pouvez arrêter quand vous voulez et revenir plus tard : "
        "vos réponses sont gardées.",
        en="I ask you the questions of a consultation by your city, "
        "mostly with buttons.\n\n"
        "/start: begin or choose a consultation\n"
        "/reprendre: resume where you were\n"
        "/langue: English / français\n"
        "/aide: this message\n\n"
        "You can stop whenever you like and come back later: your answers are kept.",
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
    "goodbye": Text(
        fr="À bientôt ! Vos réponses sont gardées : /reprendre pour continuer.",
        en="See you soon! Your answers are kept: /reprendre to continue.",
    ),
    "cmd_start": Text(fr="Commencer ou choisir une consultation", en="Begin or choose"),
    "cmd_reprendre": Text(fr="Reprendre où j'en étais", en="Resume where I was"),
    "cmd_langue": Text(fr="Changer de langue (English)", en="Change language (français)"),
    "cmd_aide": Text(fr="Aide et commandes", en="Help and commands"),
}


def say(key: str, lang: Lang, **values: object) -> str:
    """The message `key` in `lang`, with `{placeholders}` filled from `values`."""
    text = MESSAGES[key].get(lang)
    return text.format(**values) if values else text
