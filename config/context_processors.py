"""What every page of the shell needs: the sidebar, the unread count, the other accounts."""

from django.conf import settings

from accounts.switching import other_accounts
from notifications.models import Notification

from .navigation import sections


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    return {
        "nav_sections": sections(request),
        "unread_count": unread_count(user),
        "assistant_configured": bool(settings.ANTHROPIC_API_KEY),
        "switch_accounts": other_accounts(request),
    }


def unread_count(user) -> int:
    """Unread in-app notifications; the notifications app owns the query."""
    return Notification.objects.unread_for(user).count()
