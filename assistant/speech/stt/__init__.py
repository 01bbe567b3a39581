"""Speech to text: one streaming contract (``base``), several engines.

``vosk_engine`` and ``whisper_engine`` are the real engines (heavy imports inside functions); ``select``
chooses and loads one; ``vad`` finds voiced frames; ``endpoint`` decides when an answer is over.
"""
