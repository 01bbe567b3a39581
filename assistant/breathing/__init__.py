"""Paced breathing: patterns as data and a drift-free timeline (``patterns``), and the exercise that
renders cues sample-exactly into one output stream with voice control (``exercise``). It is handed its
collaborators (voice, microphone, recogniser, clock); it never reaches into a running practice.

May import: the top-level modules, ``audio``, ``speech`` and ``dialogue`` (command words).
"""
