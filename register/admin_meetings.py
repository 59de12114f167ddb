"""The committee's meetings in the admin (being built): imported by register.admin."""

from __future__ import annotations
