from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "SCORE Platform — ILO administration"
admin.site.site_title = "SCORE Platform"
admin.site.index_title = "Programme administration"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
