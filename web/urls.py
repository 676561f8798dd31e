"""The web workplace: login at "/", the inbox, task and case pages, notifications."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import (
    views,
    views_deliveries,
    views_dues,
    views_reports,
    views_sso,
    views_statistics,
    views_transfers,
)

app_name = "web"

urlpatterns = [
    path("", views.LoginView.as_view(), name="login"),
    path("logout/", views_sso.LogoutView.as_view(), name="logout"),
    path("cas/login/", views_sso.CASLoginView.as_view(), name="cas_login"),
    path("cas/logout/", views_sso.CASLogoutView.as_view(), name="cas_logout"),
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
    path("cases/<int:case_id>/print/<slug:kind>/", views.case_print, name="case_print"),
    path("notifications/", views.notifications, name="notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification_read",
    ),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path(
        "settings/notifications/",
        views_deliveries.notification_settings,
        name="notification_settings",
    ),
    path("deliveries/", views_deliveries.deliveries, name="deliveries"),
    # Part 2: committees, auditors and a branch's records.
    path("overview/", views_reports.overview, name="overview"),
    path("mine/", views_reports.my_cases, name="my_cases"),
    path("committee/", views_reports.committee, name="committee"),
    path("committee/compliance.xlsx", views_reports.compliance_export, name="compliance_export"),
    path(
        "committee/compliance/<int:organization_id>/<slug:code>/",
        views_reports.compliance_cell,
        name="compliance_cell",
    ),
    path("committee/standards/", views_reports.standards, name="standards"),
    path(
        "committee/standards/<int:organization_id>/<str:code>/",
        views_reports.standards_cell,
        name="standards_cell",
    ),
    path("committee/statistics/", views_statistics.statistics, name="statistics"),
    path("committee/statistics/cell/", views_statistics.statistics_cell, name="statistics_cell"),
    path(
        "committee/statistics/export/", views_statistics.statistics_export, name="statistics_export"
    ),
    path(
        "committee/statistics/filing/", views_statistics.statistics_filing, name="statistics_filing"
    ),
    path("records/meetings/", views_reports.meetings, name="meetings"),
    path("records/meetings/new/", views_reports.meeting_new, name="meeting_new"),
    path("records/meetings/<int:meeting_id>/", views_reports.meeting_detail, name="meeting"),
    path(
        "records/meetings/<int:meeting_id>/files/",
        views_reports.meeting_file_upload,
        name="meeting_file_upload",
    ),
    path(
        "records/meetings/<int:meeting_id>/files/<int:file_id>/",
        views_reports.meeting_file,
        name="meeting_file",
    ),
    path(
        "records/meetings/<int:meeting_id>/print/<slug:fmt>/",
        views_reports.meeting_print,
        name="meeting_print",
    ),
    path("transfers/graduation/", views_transfers.graduation, name="graduation"),
    path(
        "transfers/graduation/start/",
        views_transfers.graduation_start_view,
        name="graduation_start",
    ),
    path(
        "transfers/graduation/template.xlsx",
        views_transfers.graduation_template,
        name="graduation_template",
    ),
    path(
        "transfers/graduation/<slug:batch>/",
        views_transfers.graduation_batch,
        name="graduation_batch",
    ),
    path(
        "members/<int:member_id>/transfer/",
        views_transfers.member_transfer,
        name="member_transfer",
    ),
    path(
        "members/<int:member_id>/away/",
        views_transfers.member_away_register,
        name="member_away",
    ),
    path("transfers/in/new/", views_transfers.transfer_in_new, name="transfer_in_new"),
    path("records/roster/", views_reports.roster, name="roster"),
    path("records/roster.xlsx", views_reports.roster_export, name="roster_export"),
    path("records/import/", views_reports.orglife_import, name="orglife_import"),
    path("records/dues/", views_dues.dues_collection, name="dues"),
    path("records/dues/tick/", views_dues.dues_tick, name="dues_tick"),
    path("records/dues/bases/", views_dues.dues_bases, name="dues_bases"),
    path("committee/dues/", views_dues.dues_remittance, name="dues_remittance"),
    path(
        "committee/dues/relief/<int:assessment_id>/",
        views_dues.dues_relief_decision,
        name="dues_relief_decision",
    ),
    path("committee/dues.xlsx", views_dues.dues_remittance_export, name="dues_remittance_export"),
    path(
        "records/import/template.xlsx",
        views_reports.orglife_import_template,
        name="orglife_import_template",
    ),
    path("cases/", views_reports.case_search, name="case_search"),
    path("members/<int:member_id>/development/", views_reports.member_record, name="member_record"),
    path(
        "members/<int:member_id>/status-events/",
        views_reports.member_status_event,
        name="member_status_event",
    ),
    path(
        "members/<int:member_id>/lost-contact/",
        views_reports.member_lost_contact,
        name="member_lost_contact",
    ),
    path(
        "members/<int:member_id>/print/<slug:kind>/",
        views_reports.member_print,
        name="member_print",
    ),
    path("filters/", views_reports.saved_filter_create, name="saved_filter_create"),
    path(
        "filters/<int:saved_filter_id>/delete/",
        views_reports.saved_filter_delete,
        name="saved_filter_delete",
    ),
    path(
        "filters/<int:saved_filter_id>/hide/",
        views_reports.saved_filter_hide,
        name="saved_filter_hide",
    ),
    path(
        "filters/<int:saved_filter_id>/unhide/",
        views_reports.saved_filter_unhide,
        name="saved_filter_unhide",
    ),
]
