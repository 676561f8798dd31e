from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import (
    auth,
    cases,
    delegation,
    deliveries,
    development,
    documents,
    dues,
    notifications,
    onboarding,
    organizations,
    orglife,
    oversight,
    root,
    standards,
    statistics,
    tasks,
    transfers,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("organizations", organizations.OrganizationViewSet, basename="organization")
router.register("members", organizations.MemberViewSet, basename="member")
router.register("users", organizations.UserViewSet, basename="user")
router.register("role-assignments", organizations.RoleAssignmentViewSet, basename="role-assignment")
router.register("processes", cases.ProcessViewSet, basename="process")
router.register("cases", cases.CaseViewSet, basename="case")
router.register("tasks", tasks.TaskViewSet, basename="task")
router.register("notifications", notifications.NotificationViewSet, basename="notification")
router.register("deliveries", deliveries.DeliveryViewSet, basename="delivery")
router.register("meetings", orglife.MeetingViewSet, basename="meeting")
router.register("dues", orglife.DuesViewSet, basename="dues")
router.register("delegations", delegation.DelegationViewSet, basename="delegation")
router.register("volunteer-services", orglife.VolunteerServiceViewSet, basename="volunteer-service")
router.register("trainings", orglife.TrainingViewSet, basename="training")
router.register("pairings", orglife.PairingViewSet, basename="pairing")
router.register(
    "satisfaction-surveys", orglife.SatisfactionSurveyViewSet, basename="satisfaction-survey"
)

urlpatterns = [
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("auth/logout/", auth.LogoutView.as_view(), name="auth-logout"),
    path("me/", auth.MeView.as_view(), name="me"),
    path("record-log/", organizations.RecordLogView.as_view(), name="record-log"),
    path(
        "notification-preferences/",
        deliveries.PreferenceView.as_view(),
        name="notification-preferences",
    ),
    path("delivery-channels/", deliveries.ChannelHealthView.as_view(), name="delivery-channels"),
    path(
        "reports/development-pipeline/",
        development.DevelopmentPipelineView.as_view(),
        name="development-pipeline",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its init script from a URL, not inline (Content-Security-Policy).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("branch-terms/", oversight.BranchTermView.as_view(), name="branch-terms"),
    path(
        "branch-identification/",
        oversight.WeakBranchIdentificationView.as_view(),
        name="branch-identification",
    ),
    path("weak-branches/", oversight.WeakBranchListView.as_view(), name="weak-branches"),
    path(
        "transfers/graduation/preview/",
        transfers.GraduationPreviewView.as_view(),
        name="graduation-preview",
    ),
    path("transfers/graduation/", transfers.GraduationBatchView.as_view(), name="graduation"),
    path(
        "transfers/graduation/<str:batch>/",
        transfers.GraduationSummaryView.as_view(),
        name="graduation-summary",
    ),
    path("orglife/import/", orglife.OrgLifeImportView.as_view(), name="orglife-import"),
    path("dues-assessments/", dues.DuesAssessmentsView.as_view(), name="dues-assessments"),
    path(
        "dues-assessments/import/",
        dues.DuesPayrollImportView.as_view(),
        name="dues-assessments-import",
    ),
    path("dues-assessments/<int:pk>/relief/", dues.DuesReliefView.as_view(), name="dues-relief"),
    path(
        "dues-assessments/<int:pk>/relief/decision/",
        dues.DuesReliefDecisionView.as_view(),
        name="dues-relief-decision",
    ),
    path("dues-reliefs/", dues.DuesReliefsPendingView.as_view(), name="dues-reliefs"),
    path("dues-collection/", dues.DuesCollectionView.as_view(), name="dues-collection"),
    path("dues-collection/collect/", dues.DuesCollectView.as_view(), name="dues-collect"),
    path("dues-paid-through/", dues.DuesPaidThroughView.as_view(), name="dues-paid-through"),
    path("dues-remittance/", dues.DuesRemittanceView.as_view(), name="dues-remittance"),
    path(
        "dues-remittance/export/",
        dues.DuesRemittanceExportView.as_view(),
        name="dues-remittance-export",
    ),
    path("onboarding/import/", onboarding.OnboardingImportView.as_view(), name="onboarding-import"),
    path("onboarding/export/", onboarding.OnboardingExportView.as_view(), name="onboarding-export"),
    path(
        "onboarding/statistics/",
        onboarding.OnboardingStatisticsView.as_view(),
        name="onboarding-statistics",
    ),
    path("statistics/", statistics.StatisticsView.as_view(), name="statistics"),
    path("statistics/cell/", statistics.StatisticsCellView.as_view(), name="statistics-cell"),
    path("statistics/export/", statistics.StatisticsExportView.as_view(), name="statistics-export"),
    path(
        "statistics/filings/", statistics.StatisticsFilingView.as_view(), name="statistics-filings"
    ),
    path("onboarding/flags/", onboarding.ImportFlagsView.as_view(), name="onboarding-flags"),
    path("compliance/", oversight.ComplianceView.as_view(), name="compliance"),
    path("compliance/export/", oversight.ComplianceExportView.as_view(), name="compliance-export"),
    path(
        "cases/<int:pk>/measurement-ballots/",
        orglife.MeasurementBallotView.as_view(),
        name="measurement-ballots",
    ),
    path(
        "cases/<int:pk>/documents/generate/<str:kind>/",
        documents.CaseDocumentView.as_view(),
        name="case-document-generate",
    ),
    path(
        "members/<int:pk>/documents/generate/<str:kind>/",
        documents.MemberDocumentView.as_view(),
        name="member-document-generate",
    ),
    path(
        "meetings/<int:pk>/documents/generate/<str:kind>/",
        documents.MeetingDocumentView.as_view(),
        name="meeting-document-generate",
    ),
    path("compliance/report/", documents.ComplianceReportView.as_view(), name="compliance-report"),
    path("standards/", standards.StandardSetListView.as_view(), name="standard-sets"),
    path("standards/matrix/", standards.StandardsMatrixView.as_view(), name="standards-matrix"),
    path(
        "standards/matrix/export/",
        standards.StandardsMatrixExportView.as_view(),
        name="standards-matrix-export",
    ),
    path("model-branches/", standards.ModelBranchResultsView.as_view(), name="model-branches"),
    path("", include(router.urls)),
    path("", root.ApiRootView.as_view(), name="api-root"),
    re_path(r"^(?P<path>.*)$", root.api_not_found, name="api-not-found"),
]
