"""The API root (/api/: its entry points) and the JSON answer for an unknown path under /api/."""

from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.i18n import _

ENTRY_POINTS = [
    ("auth/token/", _("用用户名和密码换取令牌（POST）")),
    ("me/", _("我是谁、担任哪些角色")),
    ("tasks/", _("我的待办（?process= ?overdue=true ?escalated=true）")),
    ("cases/", _("流程列表；cases/ID/ 详情，history/ 记录，report/ 打印报告")),
    ("processes/", _("已部署的流程及版本")),
    ("notifications/", _("我的提醒、逾期和督办通知")),
    ("notification-preferences/", _("我的通知方式：渠道、每日汇总、免打扰时段（PUT 修改）")),
    ("deliveries/", _("消息发送记录（组织部；?status= ?channel=）")),
    ("delivery-channels/", _("各消息渠道近七日的发送情况（组织部）")),
    ("delegations/", _("我委托或受托的任务")),
    ("organizations/", _("党组织")),
    ("members/", _("党员；members/ID/development/ 发展党员进度")),
    ("users/", _("用户")),
    ("role-assignments/", _("角色任命")),
    ("meetings/", _("组织生活记录")),
    ("dues/", _("党费记录")),
    ("compliance/", _("组织生活合规情况（?organization=ID&period=2026-Q2）")),
    ("branch-terms/", _("各支部任期（?organization=ID）")),
    ("branch-identification/", _("软弱涣散党支部排查（?organization=ID）")),
    ("weak-branches/", _("软弱涣散党支部名单")),
    (
        "statistics/",
        _(
            "党内统计（?organization=ID&cutoff=YYYY-MM-DD）；statistics/cell/ 单元格人员，statistics/export/ 导出，statistics/filings/ 报送"
        ),
    ),
    ("reports/development-pipeline/", _("发展党员统计（?organization=ID）")),
    ("transfers/graduation/", _("毕业生组织关系转接批次（preview/ 预览，批次/ 进度和导出）")),
    ("schema/", _("OpenAPI 接口说明")),
    ("docs/", _("Swagger 接口文档")),
]


class ApiRootView(APIView):
    """The entry points of the API, each with what it is for; open to everyone (it names no data)."""

    permission_classes = []
    authentication_classes = []

    @extend_schema(responses={200: {"type": "object"}})
    def get(self, request) -> Response:
        base = request.build_absolute_uri("/api/")
        return Response(
            {
                "name": "partyflow",
                "message": _(
                    "党务工作流程接口。先用 auth/token/ 取得令牌，再在请求头写 Authorization: Token <令牌>。"
                ),
                "entry_points": [
                    {"url": base + path, "description": str(text)} for path, text in ENTRY_POINTS
                ],
            }
        )


def api_not_found(request, path="") -> JsonResponse:
    """Any unknown path under /api/: JSON like every other error, pointing to the entry points."""
    message = _("没有这个接口：/api/%(p)s。可用的接口见 /api/。") % {"p": path}
    if path and not path.endswith("/"):
        message = _(
            "没有这个接口：/api/%(p)s。接口地址以斜杠结尾（/api/%(p)s/）；可用的接口见 /api/。"
        ) % {"p": path}
    return JsonResponse(
        {"code": "not_found", "message": str(message), "fields": {}, "entry_points": "/api/"},
        status=404,
    )
