"""Staff on Telegram, in-process: commands for staff only, digests delivered to staff chats."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from types import SimpleNamespace

import openpyxl  # type: ignore[import-untyped]
import pytest

from bot.conversation import Clock
from bot.scheduling import RETRY_LATER, DigestJobs
from bot.settings import DigestSettings, ScheduleSettings, Settings, StaffSettings
from bot.telegram.app import build_application
from bot.telegram.staff import STAFF_COMMANDS
from digest import notes
from digest.dispatch import RetryPolicy
from flows.model import Consultation
from storage.sqlite import SqliteStore
from tests.digest.residents import answered
from tests.fakebotapi import FakeBotApi, FakeChat, FakeRequest, FakeUser, UploadedFile
from tests.fakebotapi.model import SentMessage
from tests.telegram.harness import Chat, settings_for

RESIDENT = FakeUser(id=111_222_333, first_name="Alice")
STAFF = FakeUser(id=777_000_001, first_name="Sophie")
STAFF_CHAT = FakeChat(id=-100_777, type="supergroup", title="Politique de la ville")
OTHER_GROUP = FakeChat(id=-100_888, title="Voisins")
# Tuesday 24 November 2026, 10:00 in Paris: the weekly digest of Monday 08:00 was missed.
TUESDAY = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


class StaffChat(Chat):
    """The chat harness with staff (and digest schedules) in the settings."""

    def __init__(
        self,
        database: Path,
        consultations: Sequence[Consultation],
        *,
        schedules: Sequence[ScheduleSettings] = (),
        clock: Clock | None = None,
        api: FakeBotApi | None = None,
    ) -> None:
        super().__init__(database, consultations, clock=clock, api=api)
        self.now = TUESDAY
        self.settings: Settings = settings_for(database, self.api).model_copy(
            update={
                "staff": StaffSettings(user_ids=[STAFF.id], chat_ids=[STAFF_CHAT.id]),
                "digest": DigestSettings(schedules=list(schedules)),
            }
        )
        self.app = build_application(
            self.settings,
            self.store,
            consultations,
            clock=clock or (lambda: self.now),
            request=FakeRequest(self.api),
        )


@pytest.fixture
async def chat(tmp_path: Path, consultation: Consultation) -> AsyncIterator[StaffChat]:
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation]) as running:
        await answered(running.store, consultation, 7, TUESDAY - dt.timedelta(days=3))
        yield running
    assert running.api.refused == [], "every request must be one the Bot API accepts"


async def replies(chat: StaffChat, user: FakeUser, text: str, where: FakeChat | None = None):
    """What the bot sends back to `text`, as (kind, html) pairs."""
    chat_id = where.id if where else user.id
    before = len(chat.api.messages(chat_id))
    chat.api.send_text(user, text, where)
    await chat.deliver()
    return [(m.kind, m.html) for m in chat.api.messages(chat_id)[before:]]


def uploads(messages: Sequence[SentMessage], kind: str) -> list[UploadedFile]:
    files = [m.file for m in messages if m.kind == kind]
    assert all(isinstance(f, UploadedFile) for f in files)
    return [f for f in files if isinstance(f, UploadedFile)]


# -- refused ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/digest", "/stats", "/export", "/export xlsx"])
async def test_a_resident_gets_what_an_unknown_command_gets(chat: StaffChat, command: str):
    unknown = await replies(chat, RESIDENT, "/nimportequoi")
    assert unknown and unknown[0][0] == "text"
    assert await replies(chat, RESIDENT, command) == unknown


@pytest.mark.parametrize("command", ["/digest", "/stats", "/export"])
async def test_in_a_group_nothing_reveals_the_staff_commands(chat: StaffChat, command: str):
    unknown = await replies(chat, RESIDENT, "/nimportequoi", OTHER_GROUP)
    # A resident in a group, staff in a group that is not theirs (a member of the staff chat
    # who is not staff is told their id: test_staff_setup.py).
    assert await replies(chat, RESIDENT, command, OTHER_GROUP) == unknown
    assert await replies(chat, STAFF, command, OTHER_GROUP) == unknown


async def test_rights_are_checked_on_every_call(chat: StaffChat):
    assert "Participants" in (await replies(chat, STAFF, "/stats"))[0][1]
    # Taken off the staff list while running (another stays: with no staff at all, a staff
    # command tells the sender their id to set one up, see test_staff_setup.py).
    chat.settings.staff.user_ids.append(STAFF.id + 1)
    chat.settings.staff.user_ids.remove(STAFF.id)
    unknown = await replies(chat, STAFF, "/nimportequoi")
    assert await replies(chat, STAFF, "/stats") == unknown


# -- staff -----------------------------------------------------------------------------------


async def test_stats_fit_one_screen(chat: StaffChat):
    [(kind, html)] = await replies(chat, STAFF, "/stats")
    assert kind == "text"
    assert "Vivre ensemble" in html and "<pre>" in html
    table = html.split("<pre>")[1].split("</pre>")[0]
    lines = table.splitlines()
    assert len(lines) == 6 and max(len(line) for line in lines) <= 40
    assert lines[1].split()[-2:] == ["7", "7"], "7 participants this week and in all"


async def test_export_sends_a_csv_by_default_and_an_xlsx_on_request(chat: StaffChat):
    chat.api.send_text(STAFF, "/export")
    await chat.deliver()
    [document] = uploads(chat.api.messages(STAFF.id), "document")
    assert document.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(document.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 7

    chat.api.send_text(STAFF, "/export xlsx")
    await chat.deliver()
    xlsx = uploads(chat.api.messages(STAFF.id), "document")[-1]
    assert xlsx.filename.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert workbook.sheetnames
    workbook.close()


async def test_export_times_are_in_the_city_time_zone(chat: StaffChat):
    chat.settings.consultation.timezone = "America/Cayenne"
    chat.api.send_text(STAFF, "/export")
    await chat.deliver()
    [document] = uploads(chat.api.messages(STAFF.id), "document")
    offsets = set(re.findall(r"T\d\d:\d\d:\d\d([+-]\d\d:\d\d)", document.content.decode()))
    assert offsets == {"-03:00"}


async def test_export_explains_its_arguments(chat: StaffChat):
    [(_, usage)] = await replies(chat, STAFF, "/export pdf")
    assert "csv|xlsx" in usage
    [(_, unknown)] = await replies(chat, STAFF, "/export csv autre-chose")
    assert "vivre-ensemble" in unknown


async def test_digest_on_demand_sends_text_charts_and_exports(chat: StaffChat):
    chat.api.send_text(STAFF, "/digest")
    await chat.deliver()
    messages = chat.api.messages(STAFF.id)
    texts = [m for m in messages if m.kind == "text"]
    assert "sur 7 jours, du" in texts[0].text, "says which period and why"
    assert all(m.parse_mode == "HTML" for m in texts)
    photos = uploads(messages, "photo")
    assert photos and all(p.content.startswith(b"\x89PNG") for p in photos)
    documents = sorted(d.filename.rsplit(".", 1)[1] for d in uploads(messages, "document"))
    assert documents == ["csv", "xlsx"]


async def test_digest_on_demand_starts_at_the_last_digest_sent(chat: StaffChat):
    last = TUESDAY - dt.timedelta(days=1)
    lease = dt.timedelta(minutes=15)
    await chat.store.claim("hebdo/email", last - dt.timedelta(days=7), last, last, lease)
    await chat.store.mark_sent("hebdo/email", last - dt.timedelta(days=7), last, last)
    chat.api.send_text(STAFF, "/digest")
    await chat.deliver()
    heading = chat.api.messages(STAFF.id)[0].text
    assert "depuis la dernière synthèse envoyée (lun. 23/11/2026 10:00)" in heading


async def test_digest_since_a_day_as_the_cli_since_reads_it(chat: StaffChat):
    # The 7 residents answered on Saturday 21 November.
    chat.api.send_text(STAFF, "/digest 2026-11-01")
    await chat.deliver()
    messages = chat.api.messages(STAFF.id)
    heading = messages[0].text
    assert "du dim. 01/11/2026 00:00 au mar. 24/11/2026 10:00" in heading
    assert "7 derniers jours" not in heading
    assert {m.kind for m in messages} == {"text", "photo", "document"}

    assert "Aucune participation" not in "".join(m.text for m in messages)

    # A date and time, in the city's time zone (Telegram splits it in two arguments): the
    # period starts after the residents answered.
    later = "".join(html for _, html in await replies(chat, STAFF, "/digest 2026-11-23 08:30"))
    assert "du lun. 23/11/2026 08:30 au mar. 24/11/2026 10:00" in later
    assert "Aucune participation sur la période" in later


@pytest.mark.parametrize(
    "command", ["/digest hier", "/digest 01/11/2026", "/digest 2026-11-25", "/digest 2026-11-01 x"]
)
async def test_digest_explains_what_it_cannot_read(chat: StaffChat, command: str):
    # Never silently the default period: staff asked for something else.
    [(kind, usage)] = await replies(chat, STAFF, command)
    assert kind == "text" and usage.startswith("Usage\u202f: /digest")
    assert "/digest AAAA-MM-JJ" in usage


async def test_digest_in_the_staff_chat(chat: StaffChat):
    chat.api.send_text(STAFF, "/digest", STAFF_CHAT)
    await chat.deliver()
    kinds = {m.kind for m in chat.api.messages(STAFF_CHAT.id)}
    assert kinds == {"text", "photo", "document"}


async def test_the_staff_menu_is_set_for_staff_only(chat: StaffChat):
    mine = [name for name, _ in chat.api.commands(scope={"type": "chat", "chat_id": STAFF.id})]
    assert {name for name, _ in STAFF_COMMANDS} <= set(mine)
    described = dict(chat.api.commands(scope={"type": "chat", "chat_id": STAFF.id}))
    assert "AAAA-MM-JJ" in described["digest"], "the menu says /digest takes a date"
    assert "start" in mine, "the staff menu keeps the residents' commands"
    everyone = [name for name, _ in chat.api.commands()]
    assert everyone and "digest" not in everyone


# -- scheduled digests ------------------------------------------------------------------------


async def test_a_missed_weekly_digest_is_sent_at_start_then_never_again(
    tmp_path: Path, consultation: Consultation
):
    api = FakeBotApi()
    weekly = [ScheduleSettings(name="hebdo", cron="0 8 * * mon")]
    database = tmp_path / "parole.sqlite3"

    async def run_once(expect_digest: bool) -> None:
        bot = StaffChat(database, [consultation], schedules=weekly, api=api)
        await bot.app.initialize()
        assert bot.app.post_init is not None and bot.app.job_queue is not None
        await bot.app.post_init(bot.app)
        if expect_digest:
            await answered(bot.store, consultation, 6, TUESDAY - dt.timedelta(days=3))
        await bot.app.start()  # starts the JobQueue: the catch-up run is due at once
        try:
            async with asyncio.timeout(20):
                if expect_digest:
                    await api.wait_for_async(
                        lambda api: len(uploads(api.messages(STAFF_CHAT.id), "document")) >= 2
                    )
                else:
                    # The catch-up job leaves the queue once it has been run.
                    queue = bot.app.job_queue
                    assert "digest:hebdo" in {job.name for job in queue.jobs()}
                    for _ in range(2000):
                        if "digest:hebdo:start" not in {job.name for job in queue.jobs()}:
                            break
                        await asyncio.sleep(0.01)
            await asyncio.sleep(0.5)  # let the run finish (it would send within this time)
        finally:
            await bot.app.stop()
            await bot.app.shutdown()
            assert bot.app.post_shutdown is not None
            await bot.app.post_shutdown(bot.app)

    await run_once(expect_digest=True)
    first = api.messages(STAFF_CHAT.id)
    assert first[0].text.startswith(notes.scheduled_heading("hebdo", first=True))
    assert {m.kind for m in first} == {"text", "photo", "document"}

    # A restart the same day: Monday's digest is out, nothing is sent again.
    await run_once(expect_digest=False)
    assert api.messages(STAFF_CHAT.id) == first
    assert api.refused == []


class RecordingJobQueue:
    """Records the jobs a callback schedules (a fake of the JobQueue)."""

    def __init__(self) -> None:
        self.once: list[tuple[object, object, str | None]] = []

    def run_once(
        self, callback: object, when: object, name: str | None = None, job_kwargs: object = None
    ) -> None:
        self.once.append((callback, when, name))


class BrokenChat:
    """A staff chat that cannot be reached."""

    key = "telegram:-1"

    async def deliver(self, bundle: object) -> None:
        raise ConnectionError("unreachable")


class WorkingChat:
    """A staff chat that receives."""

    key = "telegram:-1"

    async def deliver(self, bundle: object) -> None:
        pass


async def test_a_failed_run_releases_its_claim_and_is_tried_again_later(
    tmp_path: Path, consultation: Consultation, caplog: pytest.LogCaptureFixture
):
    store = SqliteStore(tmp_path / "parole.sqlite3")
    await store.open()
    try:
        settings = Settings(
            digest=DigestSettings(schedules=[ScheduleSettings(name="hebdo", cron="0 8 * * mon")])
        )
        jobs = DigestJobs(
            settings,
            store,
            [consultation],
            [BrokenChat()],
            clock=lambda: TUESDAY,
            retry=RetryPolicy(delays=(0.0,)),
        )
        queue = RecordingJobQueue()
        await jobs._job("hebdo", SimpleNamespace(job_queue=queue))  # type: ignore[arg-type]
        assert [(when, name) for _, when, name in queue.once] == [
            (RETRY_LATER, "digest:hebdo:retry")
        ]
        assert await store.last_sent_end("hebdo/telegram:-1") is None
        assert "ConnectionError" in caplog.text and "will be retried later" in caplog.text
        # The claim was released: a run that works now sends at once.
        outcomes = await DigestJobs(
            settings, store, [consultation], [WorkingChat()], clock=lambda: TUESDAY
        ).run_due("hebdo")
        assert [outcome.result for outcome in outcomes] == ["sent"]
    finally:
        await store.close()


async def test_a_failing_staff_menu_is_logged_not_fatal(
    tmp_path: Path, consultation: Consultation, caplog: pytest.LogCaptureFixture
):
    api = FakeBotApi()
    # The residents' menus (fr, en, default) and then the staff one all fail.
    api.fail_next("setMyCommands", 400, description="Bad Request: commands are broken", times=4)
    async with StaffChat(tmp_path / "parole.sqlite3", [consultation], api=api) as chat:
        assert "Participants" in (await replies(chat, STAFF, "/stats"))[0][1]
    assert "could not set the staff command menu" in caplog.text


async def test_flood_control_is_waited_out(chat: StaffChat):
    chat.api.fail_next("sendPhoto", retry_after=1)
    chat.api.send_text(STAFF, "/digest")
    await chat.deliver()
    statuses = [r.status for r in chat.api.requests if r.method == "sendPhoto"]
    assert statuses[0] == 429 and statuses[1] == 200, "the same photo, sent again"
    messages = chat.api.messages(STAFF.id)
    assert len(uploads(messages, "photo")) == statuses.count(200)
    documents = sorted(d.filename.rsplit(".", 1)[1] for d in uploads(messages, "document"))
    assert documents == ["csv", "xlsx"]
