"""General skills are written by the administrator in English and Russian."""

from modeltranslation.translator import TranslationOptions, register

from .models import Skill


@register(Skill)
class SkillTranslationOptions(TranslationOptions):
    fields = ("name", "description", "system_prompt")
