"""The authentication backend: Django's `ModelBackend`, reading a person's permissions in one query.

Every API request asks for them (the visibility rule and the model permissions), so Django's two
queries, one for the person's own permissions and one for their groups', were a fixed cost of
each page (BENCHMARKS.md). The permissions found are the same; they are kept on the user object
for the request, as Django keeps them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import QuerySet


class OneQueryModelBackend(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = {
                f"{app_label}.{codename}" for app_label, codename in _permissions(user_obj)
            }
        return user_obj._perm_cache  # type: ignore[no-any-return]


def _permissions(user: Any) -> QuerySet[Permission, tuple[str, str]]:
    """(app label, codename) of the person's own permissions and their groups', in one UNION."""
    columns = ("content_type__app_label", "codename")
    if user.is_superuser:
        return Permission.objects.values_list(*columns).order_by()
    own = Permission.objects.filter(user=user).values_list(*columns).order_by()
    via_groups = Permission.objects.filter(group__user=user).values_list(*columns).order_by()
    return own.union(via_groups)
