"""`{% load lucide %}` is the package's icon tag with each rendered icon kept in memory."""

import pytest
from django.template import Context, Template
from lucide.templatetags.lucide import lucide as package_lucide

from accounts import icons


def test_the_cached_tag_draws_what_the_package_draws():
    icons._cached.cache_clear()
    page = Template('{% load lucide %}{% lucide "bell" size=16 class="shrink-0" %}'
                    '{% lucide "bell" size=16 class="shrink-0" %}{% lucide "bell" %}')
    html = page.render(Context())
    expected = (package_lucide("bell", size=16, **{"class": "shrink-0"}) * 2
                + package_lucide("bell"))
    assert html == expected
    assert 'class="shrink-0"' in html and 'width="16"' in html and 'width="24"' in html
    info = icons._cached.cache_info()
    assert (info.hits, info.misses) == (1, 2)


def test_attributes_from_variables_are_escaped_and_cached_apart():
    page = Template('{% load lucide %}{% lucide name size=12 class=extra %}')
    first = page.render(Context({"name": "x", "extra": '"><script>'}))
    assert "<script>" not in first and "&quot;&gt;&lt;script&gt;" in first
    assert 'class="a"' in page.render(Context({"name": "x", "extra": "a"}))


def test_an_unknown_icon_still_raises():
    from lucide import IconDoesNotExist

    with pytest.raises(IconDoesNotExist):
        Template('{% load lucide %}{% lucide "no-such-icon" %}').render(Context())
