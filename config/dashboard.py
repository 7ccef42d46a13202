"""What the dashboard shows a user: counts and what comes next."""

from django.utils import timezone

from chats.models import Chat
from documents.models import Document
from memory.models import MemoryEntry
from notifications.models import Notification


def dashboard_summary(user) -> dict:
    upcoming = (
        Notification.objects.for_user(user)
        .filter(status=Notification.Status.PENDING, scheduled_at__gte=timezone.now())
        .order_by("scheduled_at")[:5]
    )
    return {
        "chats": Chat.objects.for_user(user).filter(is_archived=False).count(),
        "documents": Document.objects.for_user(user).count(),
        "memory": MemoryEntry.objects.for_user(user).filter(is_active=True).count(),
        "recent_chats": list(
            Chat.objects.for_user(user).filter(is_archived=False).order_by("-updated")[:5]
        ),
        "upcoming": list(upcoming),
    }
