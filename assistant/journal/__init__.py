"""The journal: the only owner of SQL.

Owns the SQLite file and its schema (``migrations``), the connection (``connection``), writing events
and reading entries (``store``, returning the frozen rows of ``rows``), the growth plan's tables and the
questions growth asks of sessions (``plans``, mixed into ``Store``), the one rule for folding ratings over
rounds (``ratings``), exports (``export``), file safety, backup, restore and the encrypt/decrypt swap
(``files``), encryption at rest (``encryption``) and ``forget``. Nothing outside this package writes a SQL
string (``tests/test_layers.py`` checks); it never prints.

May import: the top-level modules only.
"""
