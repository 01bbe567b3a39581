"""Sound as data and sound devices.

Owns audio formats (WAV <-> 16-bit PCM, any rate or channel count, resampling with soxr: ``formats``) and
the microphone and speaker (``devices``, the only module that imports sounddevice/PortAudio). It knows
nothing about speech, sessions or the journal.

May import: the top-level modules (``errors``, ``text``, ``resources``, ``config``, ``events``, ``times``).
"""
