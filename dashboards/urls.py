from django.urls import path

from dashboards.views import brand, partner, programme

app_name = "dashboards"

urlpatterns = [
    path("", programme.landing, name="landing"),
    path("programme/", programme.programme, name="programme"),
    path("programme/recompute/", programme.recompute, name="recompute"),
    path("partners/<int:pk>/", partner.partner, name="partner"),
    path("brands/<int:pk>/", brand.brand, name="brand"),
]
