from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/tokens/", views.api_tokens, name="api-tokens"),
    path("accounts/tokens/<str:token_id>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/new/", views.import_create, name="import-create"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import-progress"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import-commit"),
    path(
        "imports/templates/<str:kind>.<str:file_format>",
        views.import_template,
        name="import-template",
    ),
]
