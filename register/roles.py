"""Roles as code: one table of group permissions, synced on every migrate (STYLE.md §22).

Later issues add their models' permissions here. Nobody gets a delete permission: only a
superuser deletes, and that is an audit event too (PRODUCT.md, Roles)."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import DEFAULT_DB_ALIAS

from register.choices import Role

_READ_ALL = frozenset(
    f"register.view_{model}"
    for model in (
        "user", "auditevent", "legalentity", "businessunit", "membership", "vendor", "usecase",
        "riskassessment", "overrideproposal", "obligationitem", "meeting", "decision", "action", "review",
        "reviewschedule", "incident", "incidentclockdone", "delivery", "sweeprun", "publication",
        "transparencypledge", "explanationrequest",
    )
)  # fmt: skip

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # The committee decides, imports last year's register, records meetings and completes vendor records; every
    # such write goes through a service that audits it.
    Role.COMMITTEE: _READ_ALL
    | {
        "register.decide_usecase",
        "register.add_usecase",
        "register.add_vendor",
        "register.change_vendor",
        "register.add_meeting",
        "register.change_meeting",
        # The API's access log, and handing out API tokens (create, rotate, revoke; audited).
        "register.view_apiaccess",
        "register.manage_api_tokens",
        # The AI pledge on the public transparency page (saved through services.pledge_update).
        "register.add_transparencypledge",
        "register.change_transparencypledge",
        # Questions from the public page: set by when each is answered, record the answer (services).
        "register.change_explanationrequest",
    },
    Role.AUDITOR: _READ_ALL,
    # Members work through the business-unit form, not the admin: no model permissions.
    Role.MEMBER: frozenset(),
}

# Roles whose work happens in the admin, so holding one needs staff status.
STAFF_ROLES = frozenset({Role.COMMITTEE, Role.AUDITOR})


def _check_table() -> None:
    for role, perms in ROLE_PERMISSIONS.items():
        deleting = sorted(p for p in perms if p.split(".", 1)[1].startswith("delete_"))
        if deleting:
            raise ValueError(f"Role {role!r} must not hold delete permissions: {deleting}")


def sync_roles(apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Make each group hold exactly the permissions the table gives it."""
    _check_table()
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.using(using).get_or_create(name=role)
        perms = []
        for dotted in sorted(wanted):
            app_label, codename = dotted.split(".", 1)
            perm = (
                permission_model.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if perm is None:
                raise LookupError(f"Role {role!r}: permission {dotted!r} does not exist.")
            perms.append(perm)
        group.permissions.set(perms)


def sync_roles_after_migrate(
    sender: AppConfig, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS, **kwargs: Any
) -> None:
    # post_migrate fires once per app; Django creates each app's permissions in its own
    # receiver, so wait for the last app's signal, when every permission exists.
    if sender.label != list(global_apps.get_app_configs())[-1].label:
        return
    sync_roles(apps, using)
