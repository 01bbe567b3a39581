"""Running a session for real: picks the mode (voice, typed, recorded files), opens the answer source
(``sources``), loads the speech engine in the background, opens the journal and hands everything to
``dialogue.pipeline``; hands a script's breathing step to ``breathing``. ``demo`` answers a debrief with
synthetic voices. Words meant for the person go through the console it is given, never ``print``.

May import: everything except ``cli``.
"""
