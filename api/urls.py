from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from . import orglife, views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("members", views.MemberViewSet, basename="member")
router.register("users", views.UserViewSet, basename="user")
router.register("role-assignments", views.RoleAssignmentViewSet, basename="role-assignment")
router.register("processes", views.ProcessViewSet, basename="process")
router.register("cases", views.CaseViewSet, basename="case")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("meetings", orglife.MeetingViewSet, basename="meeting")
router.register("dues", orglife.DuesViewSet, basename="dues")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="auth-token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("orglife/import/", orglife.OrgLifeImportView.as_view(), name="orglife-import"),
    path("cases/<int:pk>/measurement-ballots/", orglife.MeasurementBallotView.as_view(), name="measurement-ballots"),
    path("", include(router.urls)),
]
