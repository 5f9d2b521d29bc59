"""Backups (docs/operations.md): a seeded database dumped with ``pg_dump -Fc`` and restored
with ``pg_restore`` into a fresh database has the same rows in every table."""

import os
import shutil
import subprocess
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from tests.conftest import need_service

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _libpq_env(settings: dict) -> dict:
    env = {**os.environ, "PGHOST": settings.get("HOST") or "127.0.0.1"}
    env["PGPORT"] = str(settings.get("PORT") or 5432)
    env["PGUSER"] = settings.get("USER") or "postgres"
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    return env


def _row_counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def test_dump_and_restore_keep_every_row_of_every_table(catalogue, tmp_path):
    need_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to PostgreSQL")
    need_service("pg_dump", bool(shutil.which("pg_dump") and shutil.which("pg_restore")))
    call_command("seed_demo", enterprises=40, months=6, verbosity=0)
    from enterprises.models import Enterprise

    Enterprise.objects.first().save()  # and an audit record
    source = connection.settings_dict["NAME"]
    env = _libpq_env(connection.settings_dict)
    with connection.cursor() as cursor:
        before = _row_counts(cursor)
    assert before["enterprises_enterprise"] == 40
    assert before["reports_kpimeasurement"] > 0
    assert before["enterprises_historicalenterprise"] > 0

    dump = tmp_path / "score.dump"
    subprocess.run(
        ["pg_dump", "-Fc", "--no-owner", "--no-acl", "-f", str(dump), source],
        env=env,
        check=True,
        capture_output=True,
    )
    restored = f"{source}_restore_{uuid.uuid4().hex[:6]}"
    subprocess.run(["createdb", restored], env=env, check=True, capture_output=True)
    try:
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--jobs",
                "2",
                "-d",
                restored,
                str(dump),
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        import psycopg2

        params = connection.get_connection_params()
        params["dbname"] = restored
        params.pop("database", None)
        with psycopg2.connect(**params) as other, other.cursor() as cursor:
            after = _row_counts(cursor)
        other.close()
    finally:
        subprocess.run(["dropdb", "--if-exists", restored], env=env, capture_output=True)

    assert after == before
    assert len(after) >= 40  # every app's tables, history and axes and beat included
