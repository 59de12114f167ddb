from __future__ import annotations

from rest_framework.permissions import DjangoModelPermissions


class ViewModelPermissions(DjangoModelPermissions):
    """DRF leaves GET open (`'GET': []`); Koers requires the model's view permission.

    Only the methods the API offers are mapped; DRF's 405 wins for the others because the
    viewsets are read-only."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }
