"""The SQL that the SQLite and PostgreSQL backends share, one module per concern (``%s``
placeholders)."""
