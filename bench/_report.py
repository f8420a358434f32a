"""Where a benchmark's figures come from: the machine and the software that measured them."""

from __future__ import annotations

import os
import platform
import sqlite3

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
