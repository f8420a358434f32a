"""Shared fixtures for the conversation engine's tests: the small consultations in fixtures/."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.engine import Engine
from flows.loader import load_consultation
from flows.model import Consultation

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The folder of test consultation files."""
    return FIXTURES


@pytest.fixture(scope="session")
def every_kind() -> Consultation:
    """A consultation with every kind of step, conditions, an optional step and themes."""
    return load_consultation(FIXTURES / "every-kind.toml")


@pytest.fixture(scope="session")
def chain() -> Consultation:
    """A consultation whose condition depends on a step that has a condition itself."""
    return load_consultation(FIXTURES / "chain.toml")


@pytest.fixture
def engine(every_kind: Consultation) -> Engine:
    """The engine running the every-kind consultation."""
    return Engine(every_kind)
