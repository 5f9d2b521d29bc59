from django.urls import path

from enterprises import views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list, name="enterprise-list"),
    path("new/", views.enterprise_create, name="enterprise-create"),
    path("<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("<int:pk>/edit/", views.enterprise_update, name="enterprise-update"),
    path(
        "<int:enterprise_pk>/participants/new/",
        views.participant_create,
        name="participant-create",
    ),
    path("participants/<int:pk>/edit/", views.participant_update, name="participant-update"),
]
