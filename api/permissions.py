from __future__ import annotations

from rest_framework.permissions import DjangoModelPermissions, IsAuthenticated


class ViewModelPermissions(DjangoModelPermissions):
    """DRF leaves GET open (`'GET': []`); Koers requires the model's view permission.

    Only the methods the API offers are mapped; DRF's 405 wins for the others because the
    viewsets are read-only."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class ScopedReadPermissions(IsAuthenticated):
    """For resources read through the visibility rule (`use_cases_visible_to` and what follows
    from it): any signed-in person may ask; the rule decides what they get (a member, their own
    units; someone without a unit, nothing; a record they may not see is a 404). The viewsets
    are read-only, so DRF answers 405 to anything but a read."""
