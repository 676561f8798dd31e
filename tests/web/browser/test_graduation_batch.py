"""The graduation batch in a real browser (P7), at 1280 and 375 px: the organization department
uploads the list, reads the preview (a refused row named by row and column), uploads the corrected
list, starts all in one click and lands on the batch's summary with each person's case linked;
screenshots graduation-*."""

import io

import pytest
from openpyxl import Workbook

from engine.calendar import today
from organizations.services import member_update
from orglife.services import dues_record

from ..conftest import PASSWORD
from .conftest import Person, follow, no_horizontal_scroll, shoot

pytestmark = pytest.mark.django_db(transaction=True)


def graduates_file(tmp_path, name, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["学号", "姓名", "去向", "接收党组织"])
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / name
    path.write_bytes(buf.getvalue())
    return str(path)


@pytest.mark.parametrize("width", [1280, 375])
def test_the_graduation_batch_in_the_browser(chromium, live_server, university, tmp_path, width):
    u = university
    day = today()
    grads = u.full_a[2:5]
    for i, m in enumerate(grads):
        member_update(actor=None, member=m, staff_or_student_no=f"2023{i:04d}")
        dues_record(
            actor=u.users.sec_a, member=m, month=day.replace(day=1), amount="10", paid_on=day
        )
    rows = [
        ("20230000", "", "工作单位", "中共某某科技有限公司委员会"),
        ("20230001", "", "人才服务机构", "某市人才服务中心党委"),
        ("20230002", "", "保留在学校", ""),
    ]
    org = Person(chromium, live_server.url, "orgdept", PASSWORD, width=width)
    try:
        page = org.page
        if width == 1280:  # in the nav (at 375 px the nav is folded)
            follow(page, page.get_by_role("link", name="毕业生转接"))
        else:
            page.goto("/transfers/graduation/")
        assert page.inner_text("h1") == "毕业生组织关系转接"
        page.set_input_files(
            "#g-file",
            graduates_file(
                tmp_path, "有错.xlsx", [*rows, ("20239999", "", "工作单位", "某单位党委")]
            ),
        )
        follow(page, page.get_by_role("button", name="上传并预览"))
        page.wait_for_selector('[data-testid="graduation-preview"]')
        preview = page.inner_text('[data-testid="graduation-preview"]')
        assert "可发起 3 行，不能发起 1 行" in preview
        assert "第 5 行“学号”列：找不到该党员" in preview
        assert page.locator('[data-testid="graduation-start"]').count() == 0
        assert no_horizontal_scroll(page)
        shoot(page, "graduation-preview-refused")

        page.set_input_files("#g-file", graduates_file(tmp_path, "毕业生.xlsx", rows))
        follow(page, page.get_by_role("button", name="上传并预览"))
        page.wait_for_selector('[data-testid="graduation-start"]')
        assert grads[0].name in page.inner_text('[data-testid="preview-rows"]')
        shoot(page, "graduation-preview")
        follow(page, '[data-testid="graduation-start"]')
        page.wait_for_selector('[data-testid="batch-counts"]')
        assert "已发起 3 人的组织关系转出。" in page.inner_text(".messages")
        table = page.inner_text('[data-testid="batch-rows"]')
        assert all(g.name in table for g in grads) and "某市人才服务中心党委" in table
        assert no_horizontal_scroll(page)
        shoot(page, "graduation-summary")
        with page.expect_download() as download:
            page.click('[data-testid="graduation-export"]')
        assert download.value.suggested_filename.endswith(".xlsx")
        follow(page, page.get_by_role("link", name=grads[1].name))
        page.wait_for_url(lambda url: "/cases/" in url)
        assert grads[1].name in page.inner_text("h1")
    finally:
        org.close()
