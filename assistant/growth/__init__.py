"""The growth plan: what the journal means over weeks.

Owns the exposure ladder (``ladder``), the move-up rule and what to try next (``moveup``), weekly targets
and the streak (``plan``), the rhythm of check-ins and its iCalendar export (``rhythm``), progress and the
HTML report (``report``), and the wording and rules of all of these (``config`` over ``prompts/plan.toml``).
It reads and writes only through the journal's named methods.

May import: the top-level modules, ``journal`` and ``dialogue`` (script fields and labels).
"""
