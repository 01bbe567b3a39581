"""Text to speech: one contract (``base.TtsEngine``), two engines (``piper_engine``: Piper neural voices,
in process; ``pyttsx3_engine``: espeak-ng in the ``worker`` process), ``select`` (which one the settings
ask for), ``synthesizer`` (cache, streaming, warm-up, fallback), ``normalize`` (numbers, times and dates
as words) and ``voice`` (say a line: caption, synthesis, speaker, half-duplex gate).
"""
