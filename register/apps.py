from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = _("AI register")

    def ready(self) -> None:
        from register.roles import sync_roles_after_migrate

        # Without a sender: the receiver itself waits for the last app, after Django has
        # created every app's permissions (STYLE.md §22).
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="koers.sync_roles")
