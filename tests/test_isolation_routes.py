"""Isolation from the URLconf itself: every route that takes an object id, every method, as
an anonymous visitor, a stranger (another signed-in user) and the owner.

The routes come from walking the URLconf, not from a list here, so a route added later is
covered the day it is added — and this test fails until tests/ownership_registry.py knows
how to make the object its id names.

What each role must see, for GET, POST, PUT, PATCH and DELETE:
- anonymous: sent to sign in, or 403/404/405 — never the object, never a 500;
- stranger: the very answer a random, nonexistent id gets (404, or 405 where the view
  refuses the method before it reads the id), never the object, and the object unchanged;
- owner: 2xx, 3xx, 405 (or a 400 for an empty form), never 404/403/500.
PUT, PATCH and DELETE are 405 for everyone (config/request_guards.py): nothing here speaks them.
"""

import uuid

import pytest
from django.forms.models import model_to_dict
from django.test import Client

from .ownership_registry import MARKER, NOT_OBJECT_ROUTES, ROUTE_FACTORIES
from .urlconf_walk import admin_routes, id_routes

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
REGISTRY = "tests/ownership_registry.py"


def _checked_routes():
    return [route for route in id_routes() if route.name not in NOT_OBJECT_ROUTES]


def factory_for(route):
    factory = ROUTE_FACTORIES.get(route.name) or ROUTE_FACTORIES.get(route.module)
    if factory is None:
        pytest.fail(
            f"The route {route} ({route.lookup}) takes an object id, but the isolation test "
            f"cannot make an object for it. Add a factory to ROUTE_FACTORIES in {REGISTRY}, "
            f"keyed by the URL name {route.name!r} or the view module {route.module!r} (or, "
            f"if its parameter is not a user's object id, an entry with the reason to "
            f"NOT_OBJECT_ROUTES there)."
        )
    return factory


def make(route, factory, owner):
    """The object and the URL naming it. A route with more than one parameter needs a
    factory returning (object, {kwarg: value, …}); one with a single id, just the object."""
    made = factory(owner)
    obj, values = made if isinstance(made, tuple) else (made, None)
    if values is None:
        if len(route.kwargs) != 1:
            pytest.fail(f"The route {route} takes {route.kwargs}: its factory in {REGISTRY} "
                        f"must return (object, {{kwarg: value}}) for all of them.")
        values = obj.pk
    return obj, route.url(values)


def _nonexistent_id(route):
    """An id that names nothing, of the kind the route takes (allauth's own objects have
    sequential integer ids; ours are UUIDs)."""
    return 2_000_000_000 if "<int:" in route.text else uuid.uuid4()


def _request(client, method, url):
    # Follows nothing: a redirect is an answer in itself.
    return getattr(client, method)(url)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _snapshot(obj):
    model = type(obj)
    fresh = model._default_manager.filter(pk=obj.pk).first()
    return None if fresh is None else model_to_dict(fresh)


def test_the_walk_finds_the_known_id_routes():
    names = {route.name for route in id_routes()}
    assert {"chats:detail", "documents:download", "memory:edit", "notifications:cancel",
            "pdfs:download", "settings:export_download", "switch:revoke"} <= names


def test_every_route_with_an_object_id_has_a_factory():
    missing = [f"{route} (view module {route.module})" for route in _checked_routes()
               if not (ROUTE_FACTORIES.get(route.name) or ROUTE_FACTORIES.get(route.module))]
    assert not missing, (
        f"Routes with an object id but no factory in ROUTE_FACTORIES of {REGISTRY} "
        f"(add one keyed by the URL name or the view module): {missing}"
    )


@pytest.mark.parametrize("route", _checked_routes(), ids=str)
def test_route_is_isolated_for_every_method_and_role(route, make_user):
    factory = factory_for(route)
    owner = make_user("owner@example.com")
    stranger = make_user("stranger@example.com")
    clients = {"anonymous": Client(), "stranger": Client(), "owner": Client()}
    clients["stranger"].force_login(stranger)
    clients["owner"].force_login(owner)
    nobody = route.url(_nonexistent_id(route))
    checked = 0
    for method in METHODS:
        for role, client in clients.items():
            obj, url = make(route, factory, owner)
            before = _snapshot(obj)
            response = _request(client, method, url)
            status = response.status_code
            where = f"{method.upper()} {url} ({route.name}) as {role}"
            assert status < 500, f"{where}: {status}"
            if method in ("put", "patch", "delete"):
                assert status == 405, f"{where}: {status}, not 405"
            if role == "owner":
                assert status not in (403, 404), (
                    f"{where}: {status} for the owner. Does the factory in {REGISTRY} make the "
                    f"object this route's id names? Add one keyed by {route.name!r}."
                )
                assert status in (400, 405) or 200 <= status < 400, f"{where}: {status}"
                checked += 1
                continue
            body = _body(response)
            assert MARKER not in body, f"{where}: the owner's object leaked into the answer"
            assert _snapshot(obj) == before, f"{where}: the owner's object was changed"
            baseline = _request(client, method, nobody).status_code
            assert status == baseline, (
                f"{where}: {status}, but a nonexistent id gets {baseline} — the answer tells "
                f"that the object exists"
            )
            if role == "stranger":
                # allauth asks a signed-in user to confirm the password before any security
                # page, whatever the id (the baseline check above): the id is not read yet.
                reauthenticate = status == 302 and response["Location"].startswith(
                    "/accounts/reauthenticate/")
                assert status in (404, 405) or reauthenticate, f"{where}: {status}, not 404"
            else:
                assert status in (403, 404, 405) or (
                    status == 302 and response["Location"].startswith("/accounts/login/")
                ), f"{where}: {status} {response.get('Location', '')}"
            checked += 1
    assert checked == len(METHODS) * len(clients)


def test_admin_routes_refuse_everyone_but_staff(make_user):
    """The admin site is staff-only as a whole: each of its routes with an id, for an
    anonymous visitor and for an ordinary signed-in user, answers with the admin's sign-in
    page, whatever the method — the id is never looked at."""
    user = make_user("plain@example.com")
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(user)
    some_id = uuid.uuid4()
    routes = [route for route in admin_routes() if route.kwargs and not route.is_regex]
    assert len(routes) > 20
    for route in routes:
        url = route.url(some_id)
        for client in (anonymous, signed_in):
            for method in ("get", "post"):
                response = _request(client, method, url)
                assert response.status_code == 302, f"{method} {url}: {response.status_code}"
                assert response["Location"].startswith("/admin/login/"), url


def test_post_routes_need_a_csrf_token(make_user):
    """The isolation test above posts without a token (the test client skips the check);
    a browser-like client that enforces CSRF is refused with 403 on every POST route."""
    owner = make_user("owner@example.com")
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    for route in _checked_routes():
        obj, url = make(route, factory_for(route), owner)
        before = _snapshot(obj)
        response = client.post(url)
        assert response.status_code in (403, 405), f"POST {route}: {response.status_code}"
        assert _snapshot(obj) == before, f"POST {route} without a token changed the object"


def test_a_nul_in_the_query_string_is_a_400_page(make_user):
    client = Client()
    client.force_login(make_user("owner@example.com"))
    for url in ("/chats/?q=a%00b", "/documents/search/?q=%00", "/memory/?importance=%00"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert b"<html" in response.content.lower()
    assert Client().get("/?next=%00").status_code == 400
