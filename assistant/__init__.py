"""Offline, voice-guided practice assistant."""

import logging

__version__ = "0.1.0"

# A library logs only where the command asked for a log file (``cli``); without this, Python's last-resort
# handler would print every warning to stderr beside the one-line error.
logging.getLogger("assistant").addHandler(logging.NullHandler())
