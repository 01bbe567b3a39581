"""Offline, voice-guided practice assistant."""

__version__ = "0.1.0"
