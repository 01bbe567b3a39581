"""The conversation, as pure logic.

Owns the guided scripts (TOML -> frozen dataclasses: ``scripts``, ``conditions``), the one tokenizer and phrase
matcher (``words``), what an answer means (``parse``; what a recogniser is given for a closed answer:
``closed``; how an answer is said back: ``readback``), reading a reflection into fields (``extract``), the
crisis check and the language coach (``coach``), the session state machine (``session`` over shared
turn-taking, ``turns``, with its two flows: ``guided`` one question per field and ``told`` a reflection;
transcripts in, things to say and journal events out) and the loop that drives a session through abstract
answer sources and a voice (``pipeline``). No audio, no speech engine, no SQL: the session is tested with
plain strings.

May import: the top-level modules only.
"""
