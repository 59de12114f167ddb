#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    # A configuration mistake or an unreachable database is the operator's to fix: say what,
    # without a traceback.
    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Koers cannot start: {exc}\n")
        sys.exit(1)
    except OperationalError as exc:
        sys.stderr.write(f"Koers cannot reach the database (DATABASE_URL): {exc}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
