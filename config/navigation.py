"""The sidebar: every section of the app, in order, with its icon."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    url_name: str
    icon: str


SECTIONS = [
    Section("dashboard", _("Dashboard"), "dashboard", "layout-dashboard"),
    Section("chats", _("Chats"), "chats:index", "messages-square"),
    Section("documents", _("Documents"), "documents:index", "file-text"),
    Section("memory", _("Memory"), "memory:index", "brain"),
    Section("medications", _("Medications"), "memory:medications", "pill"),
    Section("vitals", _("Vitals"), "memory:vitals", "heart-pulse"),
    Section("conditions", _("Conditions"), "memory:conditions", "stethoscope"),
    Section("trends", _("Trends"), "trends:index", "chart-line"),
    Section("timeline", _("Timeline"), "memory:timeline", "history"),
    Section("pdfs", _("Reports"), "pdfs:index", "file-down"),
    Section("sharing", _("Share"), "sharing:index", "share-2"),
    Section("import", _("Import"), "interop:index", "file-up"),
    Section("skills", _("Skills"), "skills:index", "sparkles"),
    Section("notifications", _("Notifications"), "notifications:index", "bell"),
    Section("settings", _("Settings"), "settings:profile", "settings"),
]


def sections(request) -> list[dict]:
    path = request.path
    items = []
    for section in SECTIONS:
        url = reverse(section.url_name)
        active = path == url if url == "/" else path.startswith(url)
        items.append({"section": section, "url": url, "active": active})
    # The longest matching prefix wins (e.g. /memory/trends/ over /memory/).
    active = [item for item in items if item["active"]]
    if len(active) > 1:
        best = max(active, key=lambda item: len(item["url"]))
        for item in active:
            item["active"] = item is best
    return items
