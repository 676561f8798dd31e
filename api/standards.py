"""Branch standards (P6): /api/standards/ (the standard sets with their items and indicators) and
/api/standards/matrix/ (branch × standard for an organization subtree and a year, with the records
behind each cell; `export/` gives the same as Excel). Scoped like compliance: out of scope is
404."""

from io import BytesIO

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.i18n import _
from organizations.rules import deployment_rule_set, standard_set, standard_sets
from oversight.standards import (
    STATUS_LABELS,
    documents_text,
    evaluation_results,
    parse_year,
    periods_text,
    records_text,
    standards_matrix,
)
from untrusted.cells import text_cells
from workflows.replica import reads_from_replica

from .params import organization_param

FILLS = {
    "met": "C6EFCE",
    "partly": "FFEB9C",
    "not_met": "FFC7CE",
    "no_evidence": "DDDDDD",
    "due": "FFEB9C",
}
MATRIX_PARAMS = [
    OpenApiParameter("organization", int, required=True),
    OpenApiParameter("period", str, required=True, description="a year, e.g. 2026"),
    OpenApiParameter(
        "standard_set", str, description="jsnu-2020 (default), xytc-2020 or a university's own"
    ),
]


def _matrix(request) -> dict:
    org = organization_param(request)
    year = parse_year(request.query_params.get("period"))
    return standards_matrix(
        org,
        standard_set(request.query_params.get("standard_set") or "jsnu-2020"),
        year=year,
        rules=deployment_rule_set(),
    )


class StandardSetListView(APIView):
    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    def get(self, request) -> HttpResponse:
        """The standard sets: categories → standards → items, each with its source, article,
        evidence kind and indicator."""
        return Response([s.as_dict() for s in standard_sets().values()])


class StandardsMatrixView(APIView):
    @extend_schema(parameters=MATRIX_PARAMS, responses={200: {"type": "object"}})
    @reads_from_replica()
    def get(self, request) -> HttpResponse:
        """Per branch of the subtree, per standard: met / partly / not met / no evidence, with each
        measurable item's periods and the records (meetings, trainings, pairings, volunteer
        service, surveys, cases) behind it."""
        return Response(_matrix(request))


def matrix_workbook(matrix: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = str(matrix["period"])
    ws.append([str(_("党支部"))] + [s["title"] for s in matrix["standards"]])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for b in matrix["branches"]:
        ws.append([b["name"]] + [str(STATUS_LABELS[c["status"]]) for c in b["cells"]])
        for col, c in enumerate(b["cells"], start=2):
            ws.cell(ws.max_row, col).fill = PatternFill("solid", fgColor=FILLS[c["status"]])
    detail = wb.create_sheet(str(_("明细")))
    detail.append(
        [
            str(h)
            for h in (
                _("党支部"),
                _("标准"),
                _("具体内容"),
                _("指标"),
                _("状态"),
                _("各期情况"),
                _("佐证记录"),
            )
        ]
    )
    for b in matrix["branches"]:
        for c in b["cells"]:
            for i in c["items"]:
                detail.append(
                    [
                        b["name"],
                        c["title"],
                        i["text"],
                        i["indicator_title"],
                        str(STATUS_LABELS[i["status"]]),
                        periods_text(i),
                        records_text(i),
                    ]
                )
            for i in c["judgement_only"]:
                detail.append(
                    [
                        b["name"],
                        c["title"],
                        i["text"],
                        str(_("人工评审（%(evidence)s）") % {"evidence": i["evidence"]}),
                        str(STATUS_LABELS[i["status"]]),
                        "",
                        documents_text(i),
                    ]
                )
    for sheet in wb.worksheets:
        text_cells(sheet)  # a branch or record named "=…" stays text (OWASP CSV injection)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


class StandardsMatrixExportView(APIView):
    @extend_schema(
        parameters=MATRIX_PARAMS,
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes
        },
    )
    def get(self, request) -> HttpResponse:
        """The matrix as an Excel workbook: a sheet branch × standard, and a sheet with every
        item and its records."""
        matrix = _matrix(request)
        response = HttpResponse(
            matrix_workbook(matrix),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="standards-{matrix["standard_set"]}-{matrix["period"]}.xlsx"'
        )
        return response


class ModelBranchResultsView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("organization", int, required=True)],
        responses={200: {"type": "array", "items": {"type": "object"}}},
    )
    @reads_from_replica()
    def get(self, request) -> HttpResponse:
        """The published results of P6 rounds for the branches of the subtree: model branches
        (示范点) with the title's period and whether it is in force, and feedback with the items
        to improve."""
        return Response(evaluation_results(organization_param(request)))
