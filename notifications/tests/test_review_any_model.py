"""The daily review with a local model that takes no tools: its proposals come as JSON in
text (chats.llm.ask_for_tool's fallback), against the strict fake server."""

import json

import pytest

from notifications import review
from tests.fakes.anthropic_server import Reply

pytestmark = pytest.mark.django_db


def test_review_works_with_a_model_without_tools(user, fake_anthropic):
    fake_anthropic.tools_supported = False
    proposals = {"reminders": [{"title": "Repeat ferritin test", "at": "2031-02-01T09:00"}]}
    fake_anthropic.queue(Reply.text(f"Proposals:\n```json\n{json.dumps(proposals)}\n```"))
    suggested = review.review(user)  # suggestions the user accepts or dismisses
    assert [action.payload["title"] for action in suggested] == ["Repeat ferritin test"]
    assert len(fake_anthropic.rejected) == 1
    assert "tools" not in fake_anthropic.last_request


def test_review_with_an_unreadable_answer_creates_nothing(user, fake_anthropic):
    fake_anthropic.tools_supported = False
    fake_anthropic.queue(Reply.text("Nothing to propose today."))
    assert review.review(user) == []
