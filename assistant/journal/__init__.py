"""The journal: the only owner of SQL.

Owns the SQLite file and its schema (``migrations``), the connection (``connection``), writing events
and reading entries (``store``, returning the frozen rows of ``rows``), the growth plan's tables asked
through named methods, exports (``export``), file safety, backup and restore (``files``), encryption at
rest (``encryption``) and ``forget``. Nothing outside this package writes a SQL string; it never prints.

May import: the top-level modules only.
"""
