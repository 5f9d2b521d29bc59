"""100,000 KPI rows through the real import path (portal.services, as the import page and
its Celery tasks run it), from CSV and from XLSX, at profile L.

    python bench/imports.py prepare DIR   # pick the rows; write DIR/kpis.csv and kpis.xlsx
    python bench/imports.py run FILE      # import FILE once; print rows/s and peak memory

The rows are 100,000 values of the latest month of SGS's enterprises (about 12,500
enterprises, 8 indicators each): the "month of KPIs for a partner" case. ``run`` keeps a
copy of those stored rows, deletes them, imports the file (upload + check, then commit:
every row created), and on any failure puts the copy back, so profile L is the same
afterwards. Each run is its own process, so the peak RSS (``ru_maxrss``) is that import's.
"""

import csv
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

PERSONA = "sgs.staff"
ROWS = 100_000
COLUMNS = ["enterprise_id", "indicator", "period", "value", "is_baseline", "source", "note"]
BACKUP = "bench_import_backup"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _selection_sql() -> str:
    return f"""
        SELECT m.* FROM reports_kpimeasurement m
        JOIN enterprises_enterprise e ON e.id = m.enterprise_id
        JOIN partners_organisation o ON o.id = e.partner_id AND o.short_name = 'SGS'
        WHERE m.period = (SELECT max(period) FROM reports_kpimeasurement) AND NOT m.is_baseline
        ORDER BY m.enterprise_id, m.indicator_id
        LIMIT {ROWS}
    """


def prepare(directory: str) -> dict:
    from openpyxl import Workbook

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.enterprise_id, i.code, to_char(s.period, 'YYYY-MM'), s.value::text, "
            f"s.source, s.note FROM ({_selection_sql()}) s "
            f"JOIN reports_indicator i ON i.id = s.indicator_id "
            f"ORDER BY s.enterprise_id, i.order"
        )
        rows = [
            [enterprise, code, period, value, "no", source, note]
            for enterprise, code, period, value, source, note in cursor.fetchall()
        ]
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    with open(target / "kpis.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("KPI measurements")
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([row[0], row[1], row[2], float(row[3]), *row[4:]])
    workbook.save(target / "kpis.xlsx")
    return {
        "rows": len(rows),
        "csv_bytes": (target / "kpis.csv").stat().st_size,
        "xlsx_bytes": (target / "kpis.xlsx").stat().st_size,
    }


def _take_out_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT to_regclass('{BACKUP}')")
        if cursor.fetchone()[0] is not None:
            _put_back_rows()  # a previous run stopped half-way
        cursor.execute(f"CREATE TABLE {BACKUP} AS {_selection_sql()}")
        cursor.execute(f"DELETE FROM reports_kpimeasurement WHERE id IN (SELECT id FROM {BACKUP})")
        return cursor.rowcount


def _latest_history_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(history_id), 0) FROM reports_historicalkpimeasurement")
        return cursor.fetchone()[0]


def _put_back_rows() -> None:
    """The stored rows as they were (the import's own rows for those keys replaced)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM reports_kpimeasurement m USING {BACKUP} b "
            f"WHERE m.enterprise_id = b.enterprise_id AND m.indicator_id = b.indicator_id "
            f"AND m.period = b.period"
        )
        cursor.execute(f"INSERT INTO reports_kpimeasurement SELECT * FROM {BACKUP}")
        cursor.execute(f"DROP TABLE {BACKUP}")


def run(path: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal import services
    from portal.models import ImportJob

    actor = get_user_model().objects.get(username=PERSONA)
    data = Path(path).read_bytes()
    rss_before = _rss_mb()
    removed = _take_out_rows()
    history_before = _latest_history_id()
    ok = False
    try:
        started = time.perf_counter()
        job = services.import_job_upload(
            actor=actor,
            kind=ImportJob.Kind.KPI_MEASUREMENTS,
            upload=SimpleUploadedFile(Path(path).name, data),
        )
        checked = time.perf_counter()
        job.refresh_from_db()
        if job.status != ImportJob.Status.READY:
            raise RuntimeError(f"check: {job.status} {job.message} {job.errors[:3]}")
        services.import_job_request_commit(actor=actor, job=job)
        finished = time.perf_counter()
        job.refresh_from_db()
        if job.status != ImportJob.Status.DONE or job.created_count != removed:
            raise RuntimeError(
                f"commit: {job.status} {job.message} created {job.created_count} of {removed}"
            )
        ok = True
    finally:
        if not ok:
            _put_back_rows()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {BACKUP}")
        # The profile as it was: without the audit records of the values put back.
        cursor.execute(
            "DELETE FROM reports_historicalkpimeasurement WHERE history_id > %s",
            [history_before],
        )
    rows = job.created_count
    total = finished - started
    return {
        "file": Path(path).name,
        "bytes": len(data),
        "rows": rows,
        "check_seconds": round(checked - started, 2),
        "commit_seconds": round(finished - checked, 2),
        "total_seconds": round(total, 2),
        "rows_per_second": round(rows / total),
        "commit_rows_per_second": round(rows / (finished - checked)),
        "peak_rss_mb": round(_rss_mb()),
        "rss_before_mb": round(rss_before),
    }


def main() -> None:
    if sys.argv[1] == "prepare":
        result = prepare(sys.argv[2])
    elif sys.argv[1] == "run":
        result = run(sys.argv[2])
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
