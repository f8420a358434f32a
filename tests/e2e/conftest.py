"""The fake Bot API and its HTTP server for the end-to-end tests.

A test module may set `API` (a `FakeBotApi` subclass, e.g. one that fails some calls) and
`REFUSALS_EXPECTED` (descriptions the real Bot API gives to requests a crash or a restart
makes the bot repeat, such as answering a press twice): every other refused request fails the
test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakebotapi import FakeBotApi, FakeBotApiServer


@pytest.fixture
def api(request: pytest.FixtureRequest) -> Iterator[FakeBotApi]:
    api: FakeBotApi = getattr(request.module, "API", FakeBotApi)()
    yield api
    expected: tuple[str, ...] = getattr(request.module, "REFUSALS_EXPECTED", ())
    refused = [r.description or "" for r in api.refused]
    unexpected = [d for d in refused if not any(ok in d for ok in expected)]
    assert unexpected == [], "the bot made requests the real Bot API would refuse"


@pytest.fixture
def server(api: FakeBotApi) -> Iterator[FakeBotApiServer]:
    with FakeBotApiServer(api) as running:
        yield running
