"""Compile every locale/<lang>/LC_MESSAGES/django.po into its .mo without GNU gettext.

``make messages`` uses Django's compilemessages where ``msgfmt`` is installed and this
command elsewhere (a clean machine), so the platform speaks every language either way.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the project's .po catalogues into .mo files (pure Python, no msgfmt)."

    def handle(self, *args, **options):
        catalogues = sorted(
            path
            for locale_path in settings.LOCALE_PATHS
            for path in Path(locale_path).glob("*/LC_MESSAGES/*.po")
        )
        if not catalogues:
            raise CommandError("No .po catalogue under LOCALE_PATHS.")
        for catalogue in catalogues:
            po = polib.pofile(str(catalogue))
            po.save_as_mofile(str(catalogue.with_suffix(".mo")))
            if options["verbosity"] > 1:
                self.stdout.write(f"compiled {catalogue} ({po.percent_translated()} % translated)")
