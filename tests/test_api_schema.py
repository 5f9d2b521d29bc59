"""The OpenAPI schema validates with no warning, and the docs need no CDN."""

from django.core.management import call_command


def test_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert "/api/v1/kpi-measurements/bulk/" in (tmp_path / "schema.yaml").read_text()


def test_swagger_ui_is_served_from_our_own_static_files(client):
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower() and "//unpkg" not in page
