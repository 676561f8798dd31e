"""The web workplace: login at "/", the inbox, task and case pages, notifications."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

app_name = "web"

urlpatterns = [
    path("", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="web/password_change.html", success_url=reverse_lazy("web:password_done")
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="web/password_done.html"),
        name="password_done",
    ),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/claim/", views.inbox_claim, name="inbox_claim"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("tasks/<int:task_id>/claim/", views.task_claim, name="task_claim"),
    path("tasks/<int:task_id>/unclaim/", views.task_unclaim, name="task_unclaim"),
    path("tasks/<int:task_id>/delegate/", views.task_delegate, name="task_delegate"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path(
        "cases/<int:case_id>/documents/<int:document_id>/", views.document_download, name="document"
    ),
    path("notifications/", views.notifications, name="notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification_read",
    ),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
]
