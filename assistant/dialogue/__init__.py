"""The conversation, as pure logic.

Owns the guided scripts (TOML -> frozen dataclasses: ``scripts``, ``conditions``), what an answer means
(``parse``), the crisis check and the language coach (``coach``), the session state machine
(``session``: transcripts in, things to say and journal events out) and the loop that drives a session
through abstract answer sources and a voice (``pipeline``). No audio, no speech engine, no SQL: the
session is tested with plain strings.

May import: the top-level modules only.
"""
