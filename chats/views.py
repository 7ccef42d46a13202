"""Chat pages: the list, new chat, the chat itself, rename, archive, delete, export, and
the files attached in the composer."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import rate_limits

from . import actions, attachments, branches, export, limits, search
from .assistant import persistence, revisions, turns
from .forms import NewChatForm, RenameForm
from .models import Chat, Message

PAGE_SIZE = 50  # the newest messages; "Show earlier messages" pages back


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@login_required
def index(request):
    query = request.GET.get("q", "").strip()
    archived = request.GET.get("archived") == "1"
    chats = Chat.objects.for_user(request.user).filter(is_archived=archived)
    if query:
        chats = search.matching(chats, query)
    chats = list(chats.select_related("skill")[:200])
    for chat in chats:
        chat.hit = search.hit(chat, query) if query else None
    return render(request, "chats/index.html", {
        "chats": chats,
        "query": query,
        "archived": archived,
        "form": NewChatForm(user=request.user),
        "limit": limits.chat_limit(request.user),
        "count": Chat.objects.for_user(request.user).count(),
    })


@login_required
@require_POST
def new(request):
    form = NewChatForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose one of your skills."))
        return redirect("chats:index")
    if not limits.can_create_chat(request.user):
        messages.error(request, _(
            "You have reached your limit of %(limit)s chats (archived ones count too). "
            "Delete a chat to start a new one."
        ) % {"limit": limits.chat_limit(request.user)})
        return redirect("chats:index")
    chat = Chat.objects.create(user=request.user, skill=form.cleaned_data["skill"])
    return redirect("chats:detail", pk=chat.pk)


def _page_end(rows, *, before, at):
    """Where the shown page ends: the newest messages; those before `before` ("Show
    earlier messages"); or, for `at` (a search hit), the page ending at that message when
    it is older than the newest page. Returns the rows and whether they are an earlier page."""
    for anchor_id, inclusive in ((before, False), (at, True)):
        if not anchor_id or not _is_uuid(anchor_id):
            continue
        anchor = rows.filter(pk=anchor_id).values_list("created", flat=True).first()
        if anchor is None:
            continue
        if inclusive and not rows.filter(created__gt=anchor)[PAGE_SIZE - 1:PAGE_SIZE].exists():
            return rows, False  # already on the newest page
        return rows.filter(**{"created__lte" if inclusive else "created__lt": anchor}), True
    return rows, False


@login_required
def detail(request, pk):
    chat = get_object_or_404(Chat.objects.for_user(request.user).select_related("skill"), pk=pk)
    persistence.expire_stale(chat)
    rows = Message.objects.on_path().filter(chat=chat).exclude(role__in=["system", "tool"])
    rows, is_earlier = _page_end(rows, before=request.GET.get("before"), at=request.GET.get("at"))
    page = list(rows.order_by("-created")[: PAGE_SIZE + 1])
    has_earlier = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE][::-1]
    branches.annotate(chat, page)
    streaming = any((m.metadata or {}).get("status") == "streaming" for m in page[-1:])
    return render(request, "chats/detail.html", {
        "chat": chat, "chat_messages": page, "has_earlier": has_earlier,
        "current_actions": actions.states_for(request.user, page),
        "earliest": page[0] if page else None, "streaming": streaming,
        "is_earlier": is_earlier,
        "rename_form": RenameForm(initial={"title": chat.title}),
        "max_attachments": attachments.MAX_FILES,
    })


@login_required
@require_POST
def rename(request, pk):
    chat = get_object_or_404(Chat.objects.for_user(request.user), pk=pk)
    form = RenameForm(request.POST)
    if form.is_valid():
        chat.title = form.cleaned_data["title"].strip()
        chat.save(update_fields=["title", "updated"])
    else:
        messages.error(request, _("A title is required (at most 200 characters)."))
    return redirect("chats:detail", pk=chat.pk)


@login_required
@require_POST
def archive(request, pk):
    chat = get_object_or_404(Chat.objects.for_user(request.user), pk=pk)
    chat.is_archived = not chat.is_archived
    chat.save(update_fields=["is_archived", "updated"])
    if chat.is_archived:
        messages.success(request, _("Chat archived."))
        return redirect("chats:index")
    messages.success(request, _("Chat restored."))
    return redirect("chats:detail", pk=chat.pk)


@login_required
@require_POST
def delete(request, pk):
    chat = get_object_or_404(Chat.objects.for_user(request.user), pk=pk)
    chat.delete()
    messages.success(request, _("Chat deleted."))
    return redirect("chats:index")


def _attachment(content, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
def export_markdown(request, pk):
    chat = get_object_or_404(Chat.objects.for_user(request.user), pk=pk)
    return _attachment(export.as_markdown(request.user, chat), "text/markdown; charset=utf-8",
                       export.filename(chat, "md"))


@login_required
def export_pdf(request, pk):
    chat = get_object_or_404(Chat.objects.for_user(request.user), pk=pk)
    if not rate_limits.allow(request.user, "compile"):  # shared with the PDF reports
        return rate_limits.too_many(request, "compile")
    return _attachment(export.as_pdf(request.user, chat), "application/pdf",
                       export.filename(chat, "pdf"))


async def _revise(request, pk, message=None, content: str | None = None):
    """Regenerate / edit: async, so the new answer runs on the server's event loop like
    one started from the socket; it reaches the page through the chat's group."""
    user = await request.auser()
    if not user.is_authenticated:
        raise Http404
    owned = await Chat.objects.for_user(user).filter(pk=pk).aexists()
    if not owned:
        raise Http404
    try:
        if content is None:
            await turns.regenerate(user, pk)
        else:
            await turns.edit(user, pk, message, content)
    except Message.DoesNotExist:
        raise Http404 from None
    except turns.TurnRejected as exc:
        return JsonResponse({"error": str(exc.args[0])}, status=400)
    return JsonResponse({"ok": True})


@require_POST
async def regenerate(request, pk):
    return await _revise(request, pk)


@require_POST
async def edit_question(request, pk, message):
    """A new version of one of the chat's questions, answered; the old one and what
    followed it stay as a branch (the page can switch back to it)."""
    return await _revise(request, pk, message, request.POST.get("content", ""))


@login_required
@require_POST
def switch_version(request, pk, message):
    """Shows another version of a question and the branch that follows it: back to the
    chat's page around that question (it may be older than the newest page), scrolled to
    it. The page's script asks for JSON and goes to `url` itself."""
    chat = get_object_or_404(Chat.objects.for_user(request.user), pk=pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        revisions.switch(request.user, chat.pk, message)
    except Message.DoesNotExist:
        raise Http404 from None
    except revisions.NothingToRevise as exc:
        if wants_json:
            return JsonResponse({"error": str(exc.args[0])}, status=400)
        messages.error(request, exc.args[0])
        return redirect("chats:detail", pk=chat.pk)
    url = f"{reverse('chats:detail', args=[chat.pk])}?at={message}#v-{message}"
    return JsonResponse({"url": url}) if wants_json else redirect(url)


@login_required
@require_POST
def attach(request, pk):
    """Files chosen in the composer become the user's documents (the upload page's checks,
    queued for processing); the page then sends their ids with the message. JSON: each
    file's id, name and link, or why it was refused (4xx)."""
    chat = get_object_or_404(Chat.objects.for_user(request.user), pk=pk)
    files = request.FILES.getlist("files")
    if chat.is_archived:
        return JsonResponse({"error": _("This chat is archived. Restore it to continue.")},
                            status=400)
    if not files:
        return JsonResponse({"error": _("Choose at least one file to attach.")}, status=400)
    if len(files) > attachments.MAX_FILES:
        return JsonResponse({"error": _("Attach at most %(count)s files to one message.")
                             % {"count": attachments.MAX_FILES}}, status=400)
    if not rate_limits.allow(request.user, "upload", cost=len(files)):
        return JsonResponse({"error": str(rate_limits.LIMITS["upload"].message)}, status=429)
    results, statuses = [], []
    for uploaded in files:
        try:
            file = attachments.save(request.user, uploaded)
        except attachments.Refused as refusal:
            name = uploaded.name or ""
            results.append({"name": name, "error": _("%(name)s: %(reason)s")
                            % {"name": name, "reason": refusal}})
            statuses.append(refusal.status)
            continue
        results.append({"id": file.id, "name": file.name, "url": attachments.url(file.id)})
    status = 200
    if statuses:
        status = 413 if all(code == 413 for code in statuses) else 400
    payload = {"files": results}
    if statuses:
        payload["error"] = " ".join(entry["error"] for entry in results if "error" in entry)
    return JsonResponse(payload, status=status)
