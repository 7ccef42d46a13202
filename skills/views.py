"""Skill pages (general ones to read, personal ones to manage) and the personal context."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .context import personal_context, save_personal_context
from .forms import ContextForm, SkillForm
from .models import ContextFileVersion, Skill


@login_required
def index(request):
    skills = Skill.objects.available_to(request.user)
    return render(request, "skills/index.html", {
        "general": [s for s in skills if s.is_general],
        "personal": Skill.objects.for_user(request.user),
    })


@login_required
def detail(request, pk):
    skill = get_object_or_404(Skill.objects.available_to(request.user)
                              | Skill.objects.for_user(request.user), pk=pk)
    return render(request, "skills/detail.html", {"skill": skill})


@login_required
def new(request):
    form = SkillForm(request.POST or None, instance=Skill(user=request.user))
    if request.method == "POST" and form.is_valid():
        skill = form.save()
        messages.success(request, _("Skill created."))
        return redirect("skills:detail", pk=skill.pk)
    return render(request, "skills/form.html", {"form": form})


@login_required
def edit(request, pk):
    skill = get_object_or_404(Skill.objects.for_user(request.user), pk=pk)
    form = SkillForm(request.POST or None, instance=skill)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Skill saved."))
        return redirect("skills:detail", pk=skill.pk)
    return render(request, "skills/form.html", {"form": form, "skill": skill})


@login_required
@require_POST
def delete(request, pk):
    skill = get_object_or_404(Skill.objects.for_user(request.user), pk=pk)
    skill.delete()
    messages.success(request, _("Skill deleted."))
    return redirect("skills:index")


@login_required
def context_edit(request):
    current = personal_context(request.user)
    form = ContextForm(request.POST or None,
                       initial={"content": current.content if current else ""})
    if request.method == "POST" and form.is_valid():
        save_personal_context(request.user, form.cleaned_data["content"])
        messages.success(request, _("Personal context saved."))
        return redirect("context:edit")
    versions = (ContextFileVersion.objects.filter(context_file=current)[:20]
                if current else [])
    return render(request, "skills/context.html", {
        "form": form, "current": current, "versions": versions,
    })
