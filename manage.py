#!/usr/bin/env python
import os
import sys
from pathlib import Path


def is_bare_checkout(environ, root: Path) -> bool:
    """Nothing configured (no .env, no DEBUG, no DATABASE_URL): a developer's checkout, which
    runs with the embedded development defaults (SQLite, eager Celery). A deployment always
    names its database, so it keeps the production rules and their clear errors."""
    return not (root / ".env").exists() and not {"DEBUG", "DATABASE_URL"} & set(environ)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "score_platform.settings")
    if is_bare_checkout(os.environ, Path(__file__).resolve().parent):
        os.environ["DEBUG"] = "1"

    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - load the settings now, to report them plainly
    except ImproperlyConfigured as error:
        # Django would defer this and fail later with "Models aren't loaded yet".
        sys.exit(f"SCORE Platform is not configured: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
