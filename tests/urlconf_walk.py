"""The URLconf as a flat list of routes, for tests that must cover every one of them."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Route:
    parts: tuple  # the pattern objects from the root down to the view
    namespace: str
    name: str  # "namespace:name", or "" for an unnamed route
    module: str  # the view's module
    lookup: str  # the view's dotted path

    @property
    def kwargs(self) -> list[str]:
        names = []
        for pattern in self.parts:
            if isinstance(pattern, RoutePattern):
                names += list(pattern.converters)
            else:
                names += list(pattern.regex.groupindex)
        return names

    @property
    def text(self) -> str:
        return "".join(str(pattern) for pattern in self.parts)

    @property
    def is_regex(self) -> bool:
        return any(not isinstance(pattern, RoutePattern) for pattern in self.parts)

    def url(self, value) -> str:
        """The path with every parameter set to `value`, or to `value[name]` when it is a
        dict (route-style patterns only)."""
        if self.is_regex:
            raise ValueError(f"{self.text} is a regex route")
        if isinstance(value, dict):
            return "/" + PARAMETER.sub(lambda m: str(value[m.group("name")]), self.text)
        return "/" + PARAMETER.sub(str(value), self.text)

    def __str__(self):
        return f"{self.name or '(unnamed)'} /{self.text}"


def routes() -> list[Route]:
    found = []

    def walk(patterns, parts, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, (*parts, entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = entry.name or ""
                if name and namespace:
                    name = f"{namespace}:{name}"
                callback = entry.callback
                module = getattr(callback, "__module__", "")
                found.append(Route((*parts, entry.pattern), namespace, name, module, entry.lookup_str))

    walk(get_resolver().url_patterns, (), "")
    return found


def id_routes() -> list[Route]:
    """Every route that takes a parameter, outside the admin site."""
    return [route for route in routes() if route.kwargs and route.namespace.split(":")[0] != "admin"]


def admin_routes() -> list[Route]:
    return [route for route in routes() if route.namespace.split(":")[0] == "admin"]
