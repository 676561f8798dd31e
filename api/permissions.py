from rest_framework.permissions import SAFE_METHODS, BasePermission

from organizations.selectors import is_org_department


class OrgDepartmentWrites(BasePermission):
    """Reads for any signed-in user (querysets are scoped); writes only for the organization
    department and superusers."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or is_org_department(request.user)
