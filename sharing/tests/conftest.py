import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_guess_counts():
    """Passcode guesses are counted per address in the shared cache: every test starts
    with none (the test client's address is always 127.0.0.1)."""
    cache.clear()
    yield
    cache.clear()
