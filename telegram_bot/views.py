"""The Telegram page of the settings: a one-time link code and the deep link, or Unlink."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from notifications import telegram_api

from . import linking


@login_required
def telegram_link(request):
    """Shows a fresh one-time code and the deep link; POST `unlink` forgets the chat."""
    if request.method == "POST":
        if "unlink" in request.POST:
            request.user.telegram_chat_id = None
            request.user.save(update_fields=["telegram_chat_id"])
            messages.success(request, _("Telegram is unlinked."))
        return redirect("telegram:link")
    code = None
    if not request.user.telegram_chat_id and telegram_api.token():
        code = linking.new_link_code(request.user)
    username = linking.bot_username() if code else ""
    return render(request, "telegram_bot/link.html", {
        "code": code,
        "username": username,
        "deep_link": f"https://t.me/{username}?start={code.code}" if code and username else "",
        "configured": bool(telegram_api.token()),
        "ttl_minutes": int(linking.LINK_CODE_TTL.total_seconds() // 60),
    })
