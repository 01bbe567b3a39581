"""Speech to text: one streaming contract, several engines.

``base`` holds the contract; ``vosk_engine`` and ``whisper_engine`` the real engines (heavy imports
inside); ``scripted`` a fake for logic tests; ``endpoint`` decides when an answer is over.
"""
