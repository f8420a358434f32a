"""A resident's place in a consultation: JSON-only, so it survives restarts and upgrades."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    """One answer to one step: picked codes (choices, scales and yes/no) and/or a text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    choices: list[str] = Field(default_factory=list)
    text: str | None = None
    skipped: bool = False


class Phase(StrEnum):
    """Where a session stands."""

    CONSENT = "consent"
    QUESTION = "question"
    OTHER = "other"  # an "Autre" was picked: waiting for its text
    DONE = "done"
    DECLINED = "declined"


class SessionState(BaseModel):
    """The engine's whole memory of one session."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    consultation_id: str
    phase: Phase = Phase.CONSENT
    step_id: str | None = None
    history: list[str] = Field(default_factory=list)
    answers: dict[str, Answer] = Field(default_factory=dict)
    picks: list[str] = Field(default_factory=list)  # a multiple choice not yet validated
    position: int = 0  # grows whenever the step changes, so old buttons can be recognised
    # Back at an earlier question from the review ("Changer une réponse"): once it is
    # answered, the questions answered after it are passed over, back to where they were.
    reviewing: bool = False

    def answered(self) -> int:
        """How many questions have an answer (skipped ones excluded)."""
        return sum(1 for answer in self.answers.values() if not answer.skipped)
