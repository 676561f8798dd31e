from django.http import JsonResponse
from django.urls import include, path


def not_found(request, exception=None) -> JsonResponse:
    return JsonResponse({"code": "not_found", "message": "对象不存在。", "fields": {}}, status=404)


def server_error(request) -> JsonResponse:
    return JsonResponse({"code": "server_error", "message": "服务器内部错误，请稍后重试。", "fields": {}}, status=500)


handler404 = not_found
handler500 = server_error

urlpatterns = [path("api/", include("api.urls"))]
