"""The lab trends page (/memory/trends/), built from documents' extracted lab values."""

from config.views import coming_soon


def trends(request):
    return coming_soon(request, section="trends")
