"""My usage: the tokens the assistant used for me this month, my budget and what's left."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import budget


@login_required
def usage(request):
    return render(request, "accounts/usage.html", {"usage": budget.usage(request.user)})
