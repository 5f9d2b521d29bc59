"""The French, Spanish and Chinese catalogues are complete: every string the code marks is in
them, translated, not fuzzy, with the same placeholders; and the pages speak the language."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import need_service
from tests.helpers import shown

ROOT = Path(settings.BASE_DIR)
LANGUAGES = {"fr": "fr", "es": "es", "zh_Hans": "zh-hans"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
# What makemessages reads besides the project's sources: nothing of it is the project's.
NOT_SOURCES = (
    ".venv",
    "node_modules",
    "static",
    "staticfiles",
    "media",
    "bench",
    "tests",
    "locale",
)


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_not_fuzzy(language):
    po = catalogue(language)
    assert len(po) > 900
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated, untranslated[:20]
    assert not fuzzy, fuzzy[:20]
    assert not po.metadata_is_fuzzy


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language):
    for entry in catalogue(language):
        wanted = set(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            wanted |= set(PLACEHOLDER.findall(entry.msgid_plural))
            forms = list(entry.msgstr_plural.values())
        else:
            forms = [entry.msgstr]
        found = set().union(*(PLACEHOLDER.findall(form) for form in forms))
        assert found == wanted, (language, entry.msgid)


def test_makemessages_finds_no_string_missing_from_the_catalogues(tmp_path):
    """A string marked for translation in the code but absent from the catalogues fails here."""
    need_service("GNU gettext (xgettext)", shutil.which("xgettext") is not None)
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(*NOT_SOURCES, "*.sqlite3*", "__pycache__", ".git", ".env"),
        symlinks=True,
    )
    shutil.copytree(ROOT / "locale", copy / "locale")
    ignores = [f"--ignore={name}" for name in NOT_SOURCES if name != "locale"]
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--no-obsolete", "-v0", *ignores]
        + [f"-l{language}" for language in LANGUAGES],
        cwd=copy,
        check=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///:memory:"},
    )
    for language in LANGUAGES:
        known = {(entry.msgid, entry.msgid_plural) for entry in catalogue(language)}
        extracted = polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
        new = [entry.msgid for entry in extracted if (entry.msgid, entry.msgid_plural) not in known]
        assert not new, (language, new[:20])


PAGES_IN_FRENCH = [
    ("ilo_officer", "dashboards:programme", [], "Tableau de bord du programme"),
    ("sgs_manager", "portal:home", [], "Inscriptions en cours"),
    ("sgs_manager", "enterprises:enterprise-list", [], "Exporter en CSV"),
    ("inditex_viewer", "portal:home", [], "Voir vos fournisseurs"),
    (None, "impact", [], "SCORE : l’impact du programme"),
    (None, "login", [], "Se connecter"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("user", "name", "args", "french"), PAGES_IN_FRENCH)
def test_pages_speak_french_when_asked(client, world, user, name, args, french):
    if user:
        client.force_login(getattr(world.users, user))
    response = client.get(reverse(name, args=args), HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in page
    assert french in page
    for english in ("Skip to main content", "Log out", "Dashboard<"):
        assert english not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "word"),
    [("fr", "Accueil"), ("es", "Inicio"), ("zh-hans", "首页"), ("en", "Home")],
)
def test_the_language_switcher_sets_the_language(client, world, language, word):
    client.force_login(world.users.sgs_manager)
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert f'<html lang="{language}">' in page
    assert word in page


@pytest.mark.django_db
def test_numbers_and_dates_follow_the_language(client, world):
    from enterprises.models import Enterprise

    Enterprise.objects.filter(pk=world.sgs_enterprise.pk).update(employees_total=12345)
    from reports.aggregation.recompute import recompute_all
    from tests import factories

    session = factories.ClassroomSessionFactory(partner=world.sgs)
    for _ in range(3):
        enterprise = factories.EnterpriseFactory(partner=world.sgs, employees_total=12345)
        factories.AttendanceFactory(
            session=session, participant=factories.ParticipantFactory(enterprise=enterprise)
        )
    recompute_all()
    client.force_login(world.users.ilo_officer)
    english = client.get(reverse("dashboards:programme"), HTTP_ACCEPT_LANGUAGE="en")
    french = client.get(reverse("dashboards:programme"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "37,035" in english.content.decode()
    assert "37\u202f035" in french.content.decode() or "37\xa0035" in french.content.decode()
    month = shown(english, "headline").reach.as_of
    from django.utils import formats, translation

    with translation.override("fr"):
        french_month = formats.date_format(month, "YEAR_MONTH_FORMAT")
    assert french_month in french.content.decode()
