"""The graduation batch pages (P7) as the organization department uses them: the template to fill
in, the preview naming each refused row and column, starting all in one click, the batch's summary
with links to the cases and its Excel export (formula-safe); a branch secretary gets none of it."""

import io

import pytest
from openpyxl import load_workbook

from engine.calendar import today
from organizations.services import member_update
from orglife.services import dues_record
from workflows.models import Case

from ..procedures.transfer_helpers import graduates_xlsx
from .helpers import text

pytestmark = pytest.mark.django_db


def ready_graduates(u, n=3):

    day = today()
    grads = u.full_a[2 : 2 + n]
    for i, m in enumerate(grads):
        member_update(actor=None, member=m, staff_or_student_no=f"2023{i:04d}")
        dues_record(
            actor=u.users.sec_a, member=m, month=day.replace(day=1), amount="10", paid_on=day
        )
    return grads


def test_the_graduation_batch_is_previewed_started_and_summarised(university, web):
    u = university
    grads = ready_graduates(u)
    member_update(actor=None, member=grads[0], name="=HYPERLINK(1)")
    u.users.orgdept.first_name = "王芳"
    u.users.orgdept.save(update_fields=["first_name"])
    org = web(u.users.orgdept)
    page = org.get("/transfers/graduation/")
    assert page.status_code == 200 and "毕业生转接" in text(page) and "下载名单模板" in text(page)
    template = org.get("/transfers/graduation/template.xlsx")
    sheet = load_workbook(io.BytesIO(template.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["学号", "姓名", "去向", "接收党组织"]

    rows = [
        ("20230000", "", "工作单位", "中共某某科技有限公司委员会"),
        ("20230001", "", "人才服务机构", "某市人才服务中心党委"),
        ("20230002", "", "保留在学校", ""),
        ("20239999", "", "工作单位", "某单位党委"),
    ]
    refused = org.post("/transfers/graduation/", {"file": graduates_xlsx(rows)})
    body = text(refused)
    assert refused.status_code == 200
    assert "共 4 行：可发起 3 行，不能发起 1 行。" in body
    assert "第 5 行“学号”列：找不到该党员" in body
    assert "graduation-start" not in refused.content.decode()  # nothing starts while refused

    # a list without the columns: a 400 naming the file's rule
    bad = org.post("/transfers/graduation/", {"file": graduates_xlsx([("x",)], header=("甲",))})
    assert bad.status_code == 400 and "缺少“学号”或“姓名”列" in text(bad)

    preview = org.post("/transfers/graduation/", {"file": graduates_xlsx(rows[:3])})
    assert "全部发起（3 人）" in text(preview) and "开具介绍信（党委）" in text(preview)
    started = org.post("/transfers/graduation/start/", follow=True)
    body = text(started)
    assert "已发起 3 人的组织关系转出。" in body
    assert Case.objects.filter(process_id="transfer_out").count() == 3
    batch = started.redirect_chain[-1][0].rstrip("/").rsplit("/", 1)[-1]
    assert "已开介绍信" in body and "某市人才服务中心党委" in body and "=HYPERLINK(1)" in body
    case = Case.objects.get(process_id="transfer_out", subject_member=grads[1])
    assert f'href="/cases/{case.pk}/"' in started.content.decode()
    # the batch reads by a name people recognise; its id stays in the URL
    title = f"{today().year}届毕业生转接（{today().isoformat()} 上传，王芳）"
    assert title in body and batch not in body
    listed = org.get("/transfers/graduation/")
    assert title in text(listed) and batch not in text(listed)
    assert f'href="/transfers/graduation/{batch}/"' in listed.content.decode()
    # starting again (nothing previewed any more) starts nothing
    again = org.post("/transfers/graduation/start/", follow=True)
    assert "请先上传名单并查看预览。" in text(again)
    assert Case.objects.filter(process_id="transfer_out").count() == 3

    export = org.get(f"/transfers/graduation/{batch}/", {"export": "xlsx"})
    ws = load_workbook(io.BytesIO(export.content)).worksheets[0]
    assert [c.value for c in ws[1]][:2] == ["批次", title]
    header = [c.value for c in ws[4]]
    assert header[:4] == ["姓名", "党支部", "去向", "接收党组织"]
    names = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=1) for r in range(5, 8)}
    assert set(names) == {"=HYPERLINK(1)", grads[1].name, grads[2].name}
    assert names["=HYPERLINK(1)"].data_type == "s"  # a name, never a formula

    # a branch secretary: no upload, no template; the batch of other branches reads as none
    sec = web(u.users.sec_a)
    assert sec.post("/transfers/graduation/", {"file": graduates_xlsx(rows[:1])}).status_code == 404
    assert sec.get("/transfers/graduation/template.xlsx").status_code == 404
    assert web(u.users.sec_b).get(f"/transfers/graduation/{batch}/").status_code == 404
    assert org.get("/transfers/graduation/19990101-000000/").status_code == 404
