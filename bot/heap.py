"""The garbage collector's settings for a bot process serving updates.

Every update makes thousands of short-lived objects (python-telegram-bot's `Update`,
`Message`, keyboards…) that reference counting frees at once; CPython's default still runs a
young collection every 700 allocations and, as survivors pile up, full passes over the whole
heap. Measured with `bench/throughput.py` (a `gc.callbacks` timer), about a fifth of the
bot's time under a crowd went to collections that found almost nothing.
"""

from __future__ import annotations

import gc
from typing import Final

# Young collections every 100,000 allocations (cyclic garbage waits a little longer: a few
# MB at most), older generations at the same pace relative to them.
THRESHOLDS: Final = (100_000, 50, 50)


def settle() -> None:
    """Tune the collector, and put what exists now (modules, settings, the consultations,
    the application as built) out of its reach: it lives as long as the process, and full
    passes then only look at what updates create."""
    gc.set_threshold(*THRESHOLDS)
    gc.collect()
    gc.freeze()
