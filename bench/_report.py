"""What the benchmarks print besides their own figures: where they come from, and peaks."""

from __future__ import annotations

import os
import platform
import sqlite3
from collections.abc import Sequence

import telegram


def machine() -> str:
    """CPU, cores, system, Python, python-telegram-bot and SQLite versions, load average."""
    cpu = platform.processor() or platform.machine()
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    return (
        f"machine: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, python-telegram-bot {telegram.__version__}, "
        f"SQLite {sqlite3.sqlite_version}; load average {os.getloadavg()[0]:.2f}"
    )


def busiest_second(times: Sequence[float]) -> int:
    """The most events in any one-second window [t, t + 1)."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(ordered):
        while ordered[first] <= at - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most
