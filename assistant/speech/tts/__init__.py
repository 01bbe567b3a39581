"""Text to speech: ``synthesizer`` (pyttsx3/espeak-ng in the ``worker`` process, with a WAV cache) and
``voice`` (say a line: caption, synthesis, speaker, half-duplex gate).
"""
