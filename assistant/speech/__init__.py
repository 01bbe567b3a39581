"""Speech in and out, and the models behind them.

``stt/``: speech-to-text engines (Vosk, whisper) behind one streaming contract, voice activity detection
and answer endpointing. ``tts/``: text-to-speech (the pyttsx3 worker process, its WAV cache, and the
``Voice`` that says a line). ``models/``: the model catalog, where installed models are found, download
and install. Speech knows what an answer *sounds* like, never what it means for a session.

May import: the top-level modules and ``audio``.
"""
