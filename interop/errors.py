"""The error an import stops with: its message is shown to the user on the import page."""


class ImportFailed(Exception):
    """A file that cannot be imported, with the reason in the user's language."""
