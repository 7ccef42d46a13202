"""Fixtures shared by every app's tests: users, a live ASGI server and a real browser."""

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from asgiref.sync import SyncToAsync

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TEST_PASSWORD = "correct-horse-battery-staple"


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: the session's Playwright (sync API) keeps an event loop
    running in the main thread once started, after which async tests cannot run.
    In the embedded mode (SQLite), tests marked postgres_only are deselected here rather
    than by `-m`, so a caller's own `-m` (e.g. "not browser") keeps them out too; so are
    the tests marked local_model unless `make test-local-model` started its server.
    TEST_EXCLUSIVE=without leaves out the tests marked exclusive and TEST_EXCLUSIVE=only
    keeps only them: scripts/test.sh runs the suite on several workers (pytest -n), then
    those alone. Unset, everything runs, as in one plain pytest run."""
    from django.conf import settings

    deselected = set()
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        deselected.add("postgres_only")
    if not os.environ.get("LOCAL_MODEL_URL"):  # `make test-local-model` starts the server
        deselected.add("local_model")
    exclusive = os.environ.get("TEST_EXCLUSIVE", "")
    if exclusive not in ("", "without", "only"):
        raise pytest.UsageError(f"TEST_EXCLUSIVE={exclusive!r}: 'without', 'only' or unset")
    if exclusive == "without":
        deselected.add("exclusive")
    if deselected or exclusive == "only":
        kept = [item for item in items
                if not any(item.get_closest_marker(name) for name in deselected)
                and (exclusive != "only" or item.get_closest_marker("exclusive"))]
        if len(kept) != len(items):
            config.hook.pytest_deselected(items=[item for item in items if item not in kept])
            items[:] = kept
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def _fresh_sync_executor_in_child():
    """The `live` daphne server is forked from this process. If async tests ran before,
    asgiref's one-thread executor for thread-sensitive sync_to_async exists here with its
    worker thread; the child inherits the executor but not the thread, so every ORM call
    in the child's consumers would wait forever. The child gets a fresh one."""
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


os.register_at_fork(after_in_child=_fresh_sync_executor_in_child)


def pytest_configure(config):
    from django.conf import settings

    # Hashing speed does not matter in tests; realism does everywhere else.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _language_reset():
    """A test that activates a language (a Russian user's turn) leaves none behind."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _prepare_connections_closed():
    """A turn is prepared on threads of its own (chats/assistant/turns.py): their database
    connections must not outlive the test (PostgreSQL refuses to drop a database in use,
    and a rolled-back SQLite test must not leave a reader behind)."""
    yield
    from chats.assistant import turns

    turns.close_prepare_connections()


@pytest.fixture(autouse=True)
def _no_kept_context():
    # A rolled-back SQLite test gives its ids out again: the next test's user must not
    # find the stable context this process kept for the last one (chats/assistant/
    # context_cache.py; in production an id is never reused).
    from chats.assistant import context_cache

    context_cache.clear()


@pytest.fixture
def password():
    return TEST_PASSWORD


@pytest.fixture
def make_user(db):
    from accounts.models import User

    def make(email="alice@example.com", password=TEST_PASSWORD, **fields):
        user = User.objects.create_user(email=email, password=password, **fields)
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice@example.com", full_name="Alice Example")


@pytest.fixture
def other_user(make_user):
    return make_user("bob@example.com", full_name="Bob Other")


@pytest.fixture
def signed_in_client(client, user):
    client.force_login(user)
    return client


# --- A local Anthropic-compatible server (tests/fakes/anthropic_server.py) ---------------
FAKE_API_KEY = "sk-ant-test-key"


@pytest.fixture(scope="session")
def anthropic_server():
    """Started once; ANTHROPIC_BASE_URL points the real SDK at it, so nothing leaves."""
    from tests.fakes.anthropic_server import FakeAnthropicServer

    server = FakeAnthropicServer().start()
    previous = os.environ.get("ANTHROPIC_BASE_URL")
    os.environ["ANTHROPIC_BASE_URL"] = server.url
    yield server
    server.stop()
    if previous is None:
        os.environ.pop("ANTHROPIC_BASE_URL", None)
    else:
        os.environ["ANTHROPIC_BASE_URL"] = previous


@pytest.fixture
def fake_anthropic(anthropic_server, settings):
    """The assistant configured against the fake server, with an empty script.

    A scripted reply the real model could not have given (one contradicting the request's
    `tool_choice`) fails the test even if the app swallowed the server's 500; a test that
    provokes one on purpose clears `violations` after asserting it."""
    from chats import model_support

    # What the last test's server refused (tools, images) must not carry over.
    default_model = settings.CONSTANCE_CONFIG["claude_model"][0]
    model_support.forget(default_model)
    anthropic_server.reset()
    settings.ANTHROPIC_API_KEY = FAKE_API_KEY
    yield anthropic_server
    model_support.forget(default_model)
    violations = list(anthropic_server.violations)
    anthropic_server.reset()
    assert not violations, f"the fake Anthropic server was scripted impossibly: {violations}"


# --- A real ASGI server (daphne) sharing the test database -------------------------------


def _configure_live_server():
    """Runs in the server process: the assistant talks to the fake Anthropic server."""
    from django.conf import settings

    settings.ANTHROPIC_API_KEY = FAKE_API_KEY


def _make_application():
    from channels.routing import get_default_application
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    return ASGIStaticFilesHandler(get_default_application())


class LiveServer:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.url = f"http://{host}:{port}"
        self.ws_url = f"ws://{host}:{port}"

    def __str__(self):
        return self.url


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker, anthropic_server):
    """daphne in a forked process, on the test database; tests use `transactional_db`."""
    from daphne.testing import DaphneProcess
    from django.db import connections

    with django_db_blocker.unblock():
        # A forked child must not inherit an open SQLite connection (it breaks WAL locking).
        connections.close_all()
        process = DaphneProcess(
            "127.0.0.1", partial(_make_application), setup=_configure_live_server
        )
        process.start()
        if not process.ready.wait(timeout=30):
            process.terminate()
            raise RuntimeError("the test ASGI server did not start")
        yield LiveServer("127.0.0.1", process.port.value)
        process.terminate()
        process.join(timeout=10)


@pytest.fixture
def live(asgi_server, transactional_db):
    return asgi_server


# --- A real browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs a loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()


def sign_in(page, live, email, password=TEST_PASSWORD):
    page.goto(f"{live.url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{live.url}/")


@pytest.fixture
def signed_in_page(page, live, user):
    sign_in(page, live, user.email)
    return page
