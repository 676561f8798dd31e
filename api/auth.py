"""Logging in and out with a token (/api/auth/token/, /api/auth/logout/) and who the caller is
(/api/me/). The token check itself is `api.authentication`."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView

from organizations import services as org_services
from organizations.selectors import active_assignments

from .organizations import RoleAssignmentSerializer
from .parsers import FormParser, JSONParser, MultiPartParser
from .throttling import TokenThrottle


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, max_length=128)


class TokenLoginSerializer(AuthTokenSerializer):
    """DRF's login check, with the lengths of the user columns (a 400 naming the field)."""

    username = serializers.CharField(write_only=True, max_length=150)
    password = serializers.CharField(
        write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    is_superuser = serializers.BooleanField()
    roles = RoleAssignmentSerializer(many=True)


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token; throttled per client address (429).
    The token expires after PARTYFLOW["TOKEN_IDLE_SECONDS"] unused, or at logout."""

    throttle_classes = [TokenThrottle]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    serializer_class = TokenLoginSerializer

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request, *args, **kwargs) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response({"token": org_services.token_issue(user=body.validated_data["user"]).key})


class LogoutView(APIView):
    """Revoke the caller's token (every client using it must log in again)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request) -> Response:
        org_services.token_revoke_all(actor=request.user, user=request.user, reason="logout")
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request) -> Response:
        user = request.user
        return Response(
            MeSerializer(
                {
                    "id": user.pk,
                    "username": user.get_username(),
                    "name": user.get_full_name() or user.get_username(),
                    "is_superuser": user.is_superuser,
                    "roles": active_assignments(user),
                }
            ).data
        )
