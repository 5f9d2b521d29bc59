from django.urls import path

from modules.views import enrolments, sessions, visits

app_name = "modules"

urlpatterns = [
    path("enrolments/", enrolments.enrolment_list, name="enrolment-list"),
    path(
        "enterprises/<int:enterprise_pk>/enrol/",
        enrolments.enrolment_create,
        name="enrolment-create",
    ),
    path("enrolments/<int:pk>/", enrolments.enrolment_detail, name="enrolment-detail"),
    path("enrolments/<int:pk>/edit/", enrolments.enrolment_update, name="enrolment-update"),
    path("enrolments/<int:pk>/status/", enrolments.enrolment_advance, name="enrolment-advance"),
    path("sessions/", sessions.session_list, name="classroom-session-list"),
    path("sessions/new/", sessions.session_create, name="classroom-session-create"),
    path(
        "sessions/trainer-options/",
        sessions.session_trainer_options,
        name="classroom-session-trainer-options",
    ),
    path("sessions/<int:pk>/", sessions.session_detail, name="classroom-session-detail"),
    path("sessions/<int:pk>/edit/", sessions.session_update, name="classroom-session-update"),
    path(
        "sessions/<int:pk>/attendance/enterprise/",
        sessions.session_attendance_enterprise,
        name="attendance-enterprise",
    ),
    path("sessions/<int:pk>/attendance/", sessions.attendance_record, name="attendance-record"),
    path(
        "sessions/<int:pk>/attendance/enterprises/<int:enterprise_pk>/participants/",
        sessions.session_participant_create,
        name="attendance-participant-create",
    ),
    path("enrolments/<int:enrolment_pk>/visits/new/", visits.visit_create, name="visit-create"),
    path("visits/<int:pk>/edit/", visits.visit_update, name="visit-update"),
    path(
        "enrolments/<int:enrolment_pk>/projects/new/",
        visits.improvement_project_create,
        name="improvement-project-create",
    ),
    path(
        "projects/<int:pk>/edit/",
        visits.improvement_project_update,
        name="improvement-project-update",
    ),
    path(
        "projects/<int:pk>/move/",
        visits.improvement_project_move,
        name="improvement-project-move",
    ),
    path("projects/", visits.improvement_project_board, name="improvement-project-board"),
]
