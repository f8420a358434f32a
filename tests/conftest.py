"""Set up for the whole test suite."""

import os

# As `parole` itself does (bot/cli.py): without it, python-telegram-bot 22 warns whenever it
# builds a RetryAfter, and with filterwarnings = error that warning would replace the 429
# the rate limiter waits out.
os.environ["PTB_TIMEDELTA"] = "true"
