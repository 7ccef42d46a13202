"""Case-insensitive "contains" that folds every alphabet, not ASCII only.

SQLite's LIKE and lower() fold ASCII letters only, and PostgreSQL's lower() and ILIKE
follow the database's locale: in a database created with the C locale (the default of
`initdb --no-locale`, and of many hosted servers) "ферритин" does not match "Ферритин".
So both sides are lowered by the same Unicode rules: PostgreSQL through its ICU
collation, SQLite through Python's str.lower, registered on every connection.
"""

from django.db.backends.signals import connection_created
from django.db.models import Func, TextField

SQLITE_FUNCTION = "anamnesis_lower"


class UnicodeLower(Func):
    """lower() by Unicode rules on both databases."""

    function = "LOWER"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection,
                           template='LOWER((%(expressions)s) COLLATE "und-x-icu")', **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function=SQLITE_FUNCTION, **extra)


def folded(text: str) -> str:
    """The query folded as UnicodeLower folds the column (str.lower, not casefold:
    PostgreSQL's lower keeps ß, as Python's lower does)."""
    return text.lower()


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def register_sqlite_function(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, _lower, deterministic=True)


def connect():
    connection_created.connect(register_sqlite_function, dispatch_uid="accounts.text_match")
