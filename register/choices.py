"""Choices shared across the register (STYLE.md module layout)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    BROWSER = "", _("As my browser asks")
    DUTCH = "nl", _("Dutch")
    ENGLISH = "en", _("English")


class Role(models.TextChoices):
    COMMITTEE = "committee", _("AI committee")
    AUDITOR = "auditor", _("Auditor")
    MEMBER = "member", _("Member")
