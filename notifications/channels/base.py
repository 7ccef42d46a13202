"""The interface every delivery channel follows."""


class PermanentFailure(Exception):
    """Retrying cannot help (no address, channel not linked): fail at once with the reason."""


class Channel:
    name = ""

    def send(self, notification) -> None:
        """Delivers one notification; raises on failure (PermanentFailure: do not retry)."""
        raise NotImplementedError

    def delivered(self, notification) -> None:
        """Called once the notification is recorded as sent (after the commit)."""
