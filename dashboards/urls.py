from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("programme/", views.programme, name="programme"),
    path("programme/recompute/", views.recompute, name="recompute"),
    path("partners/<int:pk>/", views.partner, name="partner"),
    path("brands/<int:pk>/", views.brand, name="brand"),
]
