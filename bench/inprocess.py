"""In-process steps on one profile (run by bench/run.py with that profile's environment).

    python bench/inprocess.py plan PLAN.json     # concrete URLs, session cookies, tokens
    python bench/inprocess.py queries PLAN.json  # queries per entry (Django test client)
    python bench/inprocess.py timings PLAN.json  # one request per URL, cold and warm, slowest query
    python bench/inprocess.py serialization      # API list vs values() + JSON, same run

Each prints one JSON line last.
"""

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import entries  # noqa: E402


class Context:
    def __init__(self):
        self._users = {}

    def user(self, username):
        if username not in self._users:
            self._users[username] = get_user_model().objects.get(username=username)
        return self._users[username]


def token_for(user) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


def session_for(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def plan(path: str) -> dict:
    context = Context()
    resolved = entries.resolve(context)
    personas = sorted({entry["persona"] for entry in resolved})
    credentials = {
        persona: {
            "session": session_for(context.user(persona)),
            "token": token_for(context.user(persona)),
        }
        for persona in personas
    }
    document = {"entries": resolved, "credentials": credentials}
    Path(path).write_text(json.dumps(document, indent=1))
    return {"entries": len(resolved), "urls": sum(len(entry["urls"]) for entry in resolved)}


def client_for(document, entry) -> tuple[Client, dict]:
    credentials = document["credentials"][entry["persona"]]
    client = Client()
    headers = {}
    if entry["kind"] == "api":
        headers["HTTP_AUTHORIZATION"] = f"Token {credentials['token']}"
    else:
        client.cookies["sessionid"] = credentials["session"]
    return client, headers


def queries(path: str) -> dict:
    """Queries per entry: the first URL, after one warm-up request (caches primed as in a
    running server), and the statuses seen on every URL of the entry."""
    document = json.loads(Path(path).read_text())
    counts = {}
    for entry in document["entries"]:
        client, headers = client_for(document, entry)
        url = entry["urls"][0]
        client.get(url, **headers)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, **headers)
        count = len(captured.captured_queries)  # before the next request resets the log
        statuses = sorted({client.get(other, **headers).status_code for other in entry["urls"]})
        counts[entry["name"]] = {
            "queries": count,
            "status": response.status_code,
            "statuses": statuses,
            "bytes": len(response.content),
        }
    return counts


def timings(path: str, repeat: int = 3) -> dict:
    """Per entry, one request per URL without concurrency: the first (cold caches) and the
    median of ``repeat`` more, in milliseconds, with the time spent in SQL and the slowest
    statement of the slowest URL. What the load run's percentiles are made of."""
    document = json.loads(Path(path).read_text())
    report = {}
    for entry in document["entries"]:
        client, headers = client_for(document, entry)
        cold, warm, sql, slowest = [], [], [], (0.0, "")
        for url in entry["urls"]:
            started = time.perf_counter()
            client.get(url, **headers)
            cold.append((time.perf_counter() - started) * 1000)
            samples = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    client.get(url, **headers)
                    samples.append((time.perf_counter() - started) * 1000)
                queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
                sql.append(sum(ms for ms, _ in queries))
                top = max(queries, default=(0.0, ""))
                if top[0] > slowest[0]:
                    slowest = (top[0], f"{url}: {top[1][:300]}")
            warm.append(statistics.median(samples))
        report[entry["name"]] = {
            "cold_ms_max": round(max(cold), 1),
            "warm_ms_median": round(statistics.median(warm), 1),
            "warm_ms_max": round(max(warm), 1),
            "sql_ms_max": round(max(sql), 1),
            "slowest_query_ms": round(slowest[0], 1),
            "slowest_query": slowest[1],
        }
    return report


# --- serialization: the API list against a plain values() + JSON baseline ------------------


def _timed(functions: dict, repeat: int) -> dict[str, float]:
    """Median milliseconds of each function, run in turn (A, B, C, A, B, C, ...) so that
    a burst of load on the shared machine hits all of them alike."""
    for function in functions.values():
        function()  # warm
    samples = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            samples[name].append(time.perf_counter() - started)
            reset_queries()
    return {name: statistics.median(values) * 1000 for name, values in samples.items()}


def serialization(repeat: int = 60) -> dict:
    from rest_framework.renderers import JSONRenderer
    from rest_framework.test import APIRequestFactory

    from enterprises.api import EnterpriseSerializer
    from enterprises.selectors import enterprises_visible_to
    from reports.api import KpiMeasurementSerializer
    from reports.selectors import kpi_measurements_visible_to

    context = Context()
    user = context.user(entries.ILO)
    token = token_for(user)
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
    request = APIRequestFactory().get("/")
    request.user = user

    cases = {
        "enterprises": {
            "url": "/api/v1/enterprises/",
            "empty_url": "/api/v1/enterprises/?country=AQ",
            "queryset": lambda: enterprises_visible_to(user).order_by("name", "id"),
            "serializer": EnterpriseSerializer,
            # The same columns the API answers with, as stored.
            "values": [
                "id",
                "name",
                "country",
                "city",
                "sector",
                "employees_total",
                "employees_female",
                "partner_id",
                "registration_number",
                "os_id",
                "status",
                "created_at",
                "updated_at",
            ],  # fmt: skip
        },
        "KPI measurements": {
            "url": "/api/v1/kpi-measurements/",
            "empty_url": "/api/v1/kpi-measurements/?period_from=2999-01",
            "queryset": lambda: kpi_measurements_visible_to(user).order_by("id"),
            "serializer": KpiMeasurementSerializer,
            "values": [
                "id",
                "enterprise_id",
                "indicator__code",
                "period",
                "value",
                "is_baseline",
                "source",
                "verified_by_id",
                "reported_by_id",
                "note",
                "created_at",
                "updated_at",
            ],  # fmt: skip
        },
    }
    results = {}
    for name, case in cases.items():

        def api(case=case):
            response = client.get(case["url"], **headers)
            assert response.status_code == 200, response.status_code

        def api_empty(case=case):
            # The same endpoint with a filter nothing matches: what a request costs before
            # any row is read or written (middleware, token, throttle, filters, paging).
            response = client.get(case["empty_url"], **headers)
            assert response.status_code == 200, response.status_code
            assert not response.json()["results"]

        def serializer_only(case=case):
            objects = list(case["queryset"]()[:50])
            serializer = case["serializer"](objects, many=True, context={"request": request})
            JSONRenderer().render(serializer.data)

        def baseline(case=case):
            rows = list(case["queryset"]().values(*case["values"])[:50])
            json.dumps(rows, default=str)

        timings = _timed(
            {
                "api": api,
                "api_empty": api_empty,
                "serializer": serializer_only,
                "baseline": baseline,
            },
            repeat,
        )
        api_ms, serializer_ms = timings["api"], timings["serializer"]
        baseline_ms, empty_ms = timings["baseline"], timings["api_empty"]
        results[name] = {
            "api_ms": round(api_ms, 2),
            "api_empty_ms": round(empty_ms, 2),
            "api_rows_ratio": round((api_ms - empty_ms) / baseline_ms, 2),
            "serializer_ms": round(serializer_ms, 2),
            "baseline_ms": round(baseline_ms, 2),
            "api_ratio": round(api_ms / baseline_ms, 2),
            "serializer_ratio": round(serializer_ms / baseline_ms, 2),
        }
    return results


def main() -> None:
    step = sys.argv[1]
    if step == "plan":
        result = plan(sys.argv[2])
    elif step == "queries":
        result = queries(sys.argv[2])
    elif step == "timings":
        result = timings(sys.argv[2])
    elif step == "serialization":
        result = serialization()
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
