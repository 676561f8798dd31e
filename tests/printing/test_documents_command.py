"""`partyflow documents`: one document, a branch's 纪实表 batch as one zip with a progress bar, and
the samples of every document written from the demo data."""

import io
import zipfile
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from docx import Document as Docx

from ..demo_helpers import SEED_MOMENT, seeded  # noqa: F401 (the demo university fixture)
from ..procedures.md_helpers import applicant, at, drive_to_designation

pytestmark = pytest.mark.django_db(transaction=False)


def run(*args, **kwargs) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("documents", *args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def test_batch_zips_every_member_record_of_the_branch_with_a_progress_bar(
    api, university, tmp_path
):
    u = university
    people = [applicant(u)]
    drive_to_designation(api, u, people[0])
    with at(2026, 3, 1, 10):
        out, err = run("batch", organization=u.college.pk, user="officer", out=str(tmp_path))
    [path] = tmp_path.glob("*.zip")
    assert str(path) in out and "1 份" in out
    assert "[##############################] 1/1 申请人张" in err
    with zipfile.ZipFile(path) as zf:
        [name] = zf.namelist()
        assert name == f"{u.branch_a.name}/发展党员全程纪实表-申请人张.docx"
        text = "\n".join(
            p.text for t in Docx(io.BytesIO(zf.read(name))).tables for r in t.rows for p in r.cells
        )
    assert "申请人张" in text and "2026年2月1日" in text


def test_one_document_and_a_wrong_object_from_the_command_line(api, university, tmp_path):
    u = university
    person = applicant(u)
    drive_to_designation(api, u, person)
    with at(2026, 3, 2, 10):
        out, _ = run(
            "publication_notice",
            member=person.pk,
            format="pdf",
            start="2026-03-02",
            user="sec_a",
            out=str(tmp_path),
        )
        assert "公示-申请人张.pdf" in out and (
            tmp_path / "公示-申请人张.pdf"
        ).read_bytes().startswith(b"%PDF")
        with pytest.raises(Exception, match="member_not_found"):
            run(
                "member_record", member=person.pk, user="sec_b", out=str(tmp_path)
            )  # out of sec_b's scope


def test_samples_write_every_document_from_the_demo_data(seeded, tmp_path):  # noqa: F811
    with time_machine.travel(SEED_MOMENT, tick=False):
        out, err = run("samples", out=str(tmp_path))
    names = sorted(p.name for p in tmp_path.iterdir())
    kinds = [
        "发展党员全程纪实表",
        "公示",
        "换届选举请示",
        "换届选举批复",
        "选举结果报告",
        "流程审计报告",
        "民主评议党员结果汇总表",
        "三会一课会议记录",
        "组织生活制度落实情况报告",
    ]
    assert all(any(n.startswith(k + "-") for n in names) for k in kinds), names
    assert len(names) == 10 and "skipped" not in err and "10 files" in out
