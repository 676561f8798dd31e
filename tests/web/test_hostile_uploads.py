"""Hostile uploads on the pages and the import endpoints (issue 26): a workbook that is a zip bomb,
a million rows or malformed XML is a 400 naming the file wherever it is uploaded; a body over the
API's size limit is the 413 page, answered before the body is read."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orglife.models import DuesPayment

from ..untrusted.helpers import MALFORMED, malformed, million_rows, zip_bomb

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize(
    "make, words", [(zip_bomb, "解压后"), (million_rows, "行超过"), (lambda: MALFORMED, "XML")]
)
def test_a_hostile_workbook_on_the_records_import_page_is_a_400_naming_the_file(
    web, university, make, words
):
    r = web(university.users.sec_a).post(
        "/records/import/",
        {
            "organization": university.branch_a.pk,
            "file": SimpleUploadedFile("年度党费.xlsx", make(), content_type=XLSX),
        },
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert "年度党费.xlsx" in page and words in page, page[-2000:]
    assert not DuesPayment.objects.exists()


@pytest.mark.parametrize(
    "make, code",
    [(lambda sheet: zip_bomb(), "workbook_refused"), (malformed, "workbook_unreadable")],
)
def test_a_hostile_workbook_through_the_import_apis_is_a_400_naming_the_file(
    university, api, make, code
):
    u = university
    # Each importer gets the broken sheet it reads (a sheet it does not read is not opened).
    for user, path, sheet, extra in (
        (u.users.orgdept, "/api/onboarding/import/?dry_run=1", "党员", {}),
        (u.users.sec_a, "/api/orglife/import/", "党费", {"organization": u.branch_a.pk}),
    ):
        upload = SimpleUploadedFile("名册.xlsx", make(sheet), content_type=XLSX)
        r = api(user).post(path, {"file": upload, **extra})
        assert r.status_code == 400, (path, r.status_code, r.content[:300])
        body = r.json()
        assert body["code"] == code and "名册.xlsx" in body["message"] and "file" in body["fields"]


def test_an_upload_over_the_limit_is_the_413_page_before_the_body_is_read(web, university):
    """Content-Length says 1 TB: were the body read, the test client would fail reading past the
    bytes it has (FakePayload); the page answers from the header alone."""
    r = web(university.users.sec_a).generic(
        "POST",
        "/records/import/",
        b"--x--\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(10**12),
    )
    assert r.status_code == 413
    page = r.content.decode()
    assert "文件过大" in page and "11.0 MB" in page


def test_the_page_limit_is_the_apis(web, university, settings):
    settings.PARTYFLOW = {**settings.PARTYFLOW, "MAX_BODY_BYTES": 1000}
    r = web(university.users.sec_a).post(
        "/records/import/",
        {
            "organization": university.branch_a.pk,
            "file": SimpleUploadedFile("a.xlsx", b"0" * 5000, content_type=XLSX),
        },
    )
    assert r.status_code == 413 and "文件过大" in r.content.decode()
