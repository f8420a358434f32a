"""Configuration: one pydantic model per section, read from a TOML file and the environment.

Every key can be overridden by an environment variable `PAROLE_<SECTION>__<KEY>`, for example
`PAROLE_TELEGRAM__TOKEN`. The file comes from `--config` or `PAROLE_CONFIG`; without one, the
embedded defaults run the console chat on a local SQLite file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from flows.loader import read_toml

DEFAULT_DATABASE = Path("data/parole.sqlite3")
EXAMPLE_SECRETS = {"", "change-me", "changeme", "example", "secret"}
# What @BotFather gives: the bot's number, a colon, then 35 letters, digits, "-" or "_" (a
# little leeway: Telegram does not promise the length). "123456:ABC..." is not one.
TOKEN_SHAPE: Final = re.compile(r"\d+:[A-Za-z0-9_-]{30,}")
TELEGRAM_BOT_API: Final = "https://api.telegram.org/bot"


class Section(BaseModel):
    """Base of config sections: a typo in a key is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid")


class TelegramSettings(Section):
    """How to reach the Bot API."""

    token: SecretStr | None = None
    base_url: str = TELEGRAM_BOT_API
    base_file_url: str = "https://api.telegram.org/file/bot"
    poll_timeout: int = Field(default=30, ge=0, le=60)
    max_concurrent_updates: int = Field(default=256, ge=1)
    # Telegram's published limits on messages the bot sends (see bot/telegram/ratelimit.py).
    # Off only to measure processing cost in-process (bench/throughput.py).
    rate_limit: bool = True
    messages_per_second: float = Field(default=30, ge=1, le=1000)  # all chats together
    chat_messages_per_second: float = Field(default=1, gt=0, le=100)  # one private chat…
    chat_burst: int = Field(default=3, ge=1, le=20)  # …after a burst of this many
    group_messages_per_minute: int = Field(default=20, ge=1, le=6000)  # one group or channel


class PrivacySettings(Section):
    """Pseudonymisation of residents, and what residents are told about their data."""

    pseudonym_secret: SecretStr | None = None
    # Named in /confidentialite: who is responsible for the data, and how to reach them.
    controller: str = "la mairie (service politique de la ville)"
    contact: str | None = None  # an e-mail or postal address for data requests
    retention_days: int = Field(default=365, ge=1, le=3650)  # answers are purged after this
    processed_days: int = Field(default=3, ge=1)  # Telegram update ids kept against repeats
    purge_time: str = "03:30"  # local time, daily; H:MM or HH:MM

    @field_validator("purge_time")
    @classmethod
    def _time_of_day(cls, text: str) -> str:
        hours, minutes = clock(text)
        return f"{hours:02d}:{minutes:02d}"


class LimitsSettings(Section):
    """Abuse limits: flood control per resident and the size of a typed message."""

    max_text_length: int = Field(default=2000, ge=1)
    flood_updates: int = Field(default=5, ge=1)  # more than this many messages…
    # …or button presses (None: three times flood_updates), counted apart: ticking a list is
    # many quick taps, each only an edit of the same message…
    flood_presses: int | None = Field(default=None, ge=1)
    flood_seconds: float = Field(default=2.0, gt=0)  # …within this many seconds
    flood_pause_seconds: float = Field(default=10.0, ge=0)  # …and the resident is ignored

    @property
    def press_limit(self) -> int:
        """The button presses allowed within `flood_seconds`."""
        return self.flood_presses if self.flood_presses is not None else 3 * self.flood_updates


class RelaySettings(Section):
    """Relays (conseillers citoyens, adultes-relais, associations): invitations and links."""

    invitation_days: int = Field(default=7, ge=1, le=90)  # an invitation link expires after
    # The bot's @username without "@", for the links `parole relay add` prints; when empty,
    # the CLI asks Telegram (getMe) with telegram.token.
    bot_username: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_]{3,31}$")


class StorageSettings(Section):
    """Where answers are kept."""

    path: Path = DEFAULT_DATABASE


class StaffSettings(Section):
    """The city's policy team."""

    user_ids: list[int] = Field(default_factory=list)
    chat_ids: list[int] = Field(default_factory=list)


# Stand-ins so the console chat works out of the box; no city is divided this way.
PLACEHOLDER_QUARTIERS: Final = ("Centre", "Nord", "Sud", "Est", "Ouest")
# config.example.toml's list, one city's real quartiers: kept by a copy, another city's
# residents would pick among them.
EXAMPLE_QUARTIERS: Final = ("Bourgogne", "Pont-Rompu", "Belencontre", "Croix-Rouge", "Epidème")


class ConsultationSettings(Section):
    """Which consultations run, and the city's own lists."""

    directory: Path | None = None  # the city's consultation files; None: the built-in ones
    quartiers: list[str] = Field(default_factory=lambda: list(PLACEHOLDER_QUARTIERS), min_length=1)
    timezone: str = "Europe/Paris"  # opening and closing dates are read in this zone

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        return _zone(name)


def clock(text: str) -> tuple[int, int]:
    """Hours and minutes of a time of day written H:MM or HH:MM, 00:00 to 23:59."""
    found = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        # A type of its own, so that bot.config_problems can say it in French too.
        raise PydanticCustomError(
            "time_of_day", "'{text}' is not a time of day (HH:MM, 00:00 to 23:59)", {"text": text}
        )
    return int(found[1]), int(found[2])


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise PydanticCustomError(
            "time_zone", "unknown time zone '{name}'", {"name": name}
        ) from error
    return name


class ScheduleSettings(Section):
    """One digest schedule: a cron expression read in a time zone."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    cron: str  # five fields: minute hour day-of-month month day-of-week, e.g. "0 8 * * mon"
    timezone: str = "Europe/Paris"  # left out of a configuration: consultation.timezone

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        return _zone(name)


class EmailSettings(Section):
    """SMTP delivery of digests; off while `host` is empty."""

    host: str | None = None
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str | None = None
    recipients: list[str] = Field(default_factory=list)


class DigestSettings(Section):
    """What staff digests show, when they are sent and where."""

    min_group_size: int = Field(default=5, ge=2)  # smaller groups are shown as "< 5"
    recent_texts: int = Field(default=10, ge=0)  # free-text answers quoted per question
    abandon_after_hours: int = Field(default=48, ge=1)  # an idle session counts as abandoned
    schedules: list[ScheduleSettings] = Field(default_factory=list)
    email: EmailSettings = Field(default_factory=EmailSettings)


class Settings(BaseSettings):
    """The whole configuration."""

    model_config = SettingsConfigDict(
        env_prefix="PAROLE_",
        env_nested_delimiter="__",
        extra="forbid",
        nested_model_default_partial_update=True,
    )

    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    staff: StaffSettings = Field(default_factory=StaffSettings)
    consultation: ConsultationSettings = Field(default_factory=ConsultationSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    relays: RelaySettings = Field(default_factory=RelaySettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)

    @model_validator(mode="after")
    def _schedules_on_the_city_clock(self) -> Settings:
        """A schedule without a time zone of its own follows the city's: a city in Cayenne
        writing "0 8 * * mon" wants its digest at 08:00 there, not at 08:00 in Paris."""
        for schedule in self.digest.schedules:
            if "timezone" not in schedule.model_fields_set:
                schedule.timezone = self.consultation.timezone
        return self

    def bot_problems(self) -> list[str]:
        """Why the Telegram bot cannot run with these settings (token, secret), if anything."""
        problems = []
        if self.telegram.token is None:
            problems.append("telegram.token is missing (set it or PAROLE_TELEGRAM__TOKEN)")
        secret_problem = self.secret_problem()
        if secret_problem:
            problems.append(f"{secret_problem} (set it or PAROLE_PRIVACY__PSEUDONYM_SECRET)")
        return problems

    def setup_notes(self) -> list[str]:
        """What a city has probably not set up yet: it works, but not as it should."""
        notes = []
        quartiers = tuple(self.consultation.quartiers)
        if quartiers in (PLACEHOLDER_QUARTIERS, EXAMPLE_QUARTIERS):
            kind = "placeholder" if quartiers == PLACEHOLDER_QUARTIERS else "example file's"
            notes.append(
                f"consultation.quartiers is the {kind} list "
                f"({', '.join(quartiers)}): residents would pick among these; "
                "set your city's quartiers"
            )
        if not self.staff.user_ids:
            notes.append(
                "staff.user_ids is empty: nobody can use the staff commands (send /digest "
                "to the bot in private: it answers with your id to add)"
            )
        return notes

    def secret_problem(self) -> str | None:
        """Why the pseudonymisation secret cannot protect residents, or None if it can."""
        secret = self.privacy.pseudonym_secret
        if secret is None or secret.get_secret_value().strip().lower() in EXAMPLE_SECRETS:
            return "privacy.pseudonym_secret is missing or is an example value"
        if len(secret.get_secret_value()) < 16:
            return "privacy.pseudonym_secret is shorter than 16 characters"
        token = self.telegram.token
        if token is not None and secret.get_secret_value() == token.get_secret_value():
            # Whoever sees the token (Telegram, a log) could then link residents' answers.
            return "privacy.pseudonym_secret is the bot token: give it a secret of its own"
        return None

    def run_problems(self) -> list[str]:
        """Why `parole run` must not start: `bot_problems`, and a token Telegram's own server
        could not accept (an example value, a paste cut short). Another server (a test one)
        may take any token."""
        problems = self.bot_problems()
        shape = self.token_problem()
        if self.telegram.token is not None and shape and self.telegram.base_url == TELEGRAM_BOT_API:
            problems.insert(0, shape)
        return problems

    def token_problem(self) -> str | None:
        """Why telegram.token cannot be a token from @BotFather, or None; only its shape is
        checked, offline (`parole run` learns from Telegram whether it is accepted)."""
        token = self.telegram.token
        if token is None:
            return "telegram.token is missing (set it or PAROLE_TELEGRAM__TOKEN)"
        if not TOKEN_SHAPE.fullmatch(token.get_secret_value()):
            return (
                "telegram.token is not a token from @BotFather (digits, a colon, then about "
                "35 letters, digits, - or _): an example value?"
            )
        return None


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Settings from `path` (or `PAROLE_CONFIG`), the environment, then `overrides`."""
    if path is None and os.environ.get("PAROLE_CONFIG"):
        path = Path(os.environ["PAROLE_CONFIG"])
    if path is not None and not path.is_file():
        raise FileNotFoundError(f"configuration file not found: {path}")
    # Read here, not by pydantic-settings' TOML source, so that a byte order mark is skipped;
    # an unreadable file or one not in UTF-8 raises OSError or UnicodeDecodeError.
    from_file = read_toml(path) if path is not None else None

    class _FromFile(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
            if from_file is not None:
                sources.append(InitSettingsSource(settings_cls, from_file))
            return tuple(sources)

    return _FromFile(**overrides)
