"""`partyflow build-templates`: build the shipped Word templates (`printing/templates/*.docx`) with
python-docx.

    partyflow build-templates               # rewrites every template; commit the result
    partyflow build-templates --out DIR     # builds them elsewhere (byte-identical when unchanged)

The templates are generated so they are reproducible and reviewable: every tag (docxtpl / Jinja)
is written here in one run, so Word never splits it. A university that wants its own layout
edits a copy in Word and drops it into PARTYFLOW["DOCUMENT_TEMPLATES_DIR"] under the same name.

Fonts: 公文 (requests, reports, replies, notices) follow GB/T 9704: title 宋体 二号 bold, body 仿宋
三号, level-1 headings 黑体; forms and tables use 宋体 五号/小四. python-docx's `font.name` sets only
the Latin font; Chinese text uses `w:eastAsia`, which is set here on every style and on the
document defaults, so no Chinese text falls back to a Latin font (python-docx #154, #1139).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from django.core.management.base import BaseCommand
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ...render import SHIPPED_DIR

LATIN = "Times New Roman"
SONG, FANGSONG, HEI, KAI = "宋体", "仿宋", "黑体", "楷体"


def set_fonts(
    rpr_owner, east_asia: str, *, size: float | None = None, bold: bool | None = None
) -> None:
    """Set Latin and East Asian fonts (and size/bold) on a style or run element's rPr."""
    if hasattr(rpr_owner, "get_or_add_rPr"):
        rpr = rpr_owner.get_or_add_rPr()
    else:  # a plain element (w:rPrDefault)
        rpr = rpr_owner.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            rpr_owner.append(rpr)
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr, value in (
        ("w:ascii", LATIN),
        ("w:hAnsi", LATIN),
        ("w:cs", LATIN),
        ("w:eastAsia", east_asia),
    ):
        fonts.set(qn(attr), value)
    fonts.set(qn("w:hint"), "eastAsia")
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            el = rpr.find(qn(tag))
            if el is None:
                el = OxmlElement(tag)
                rpr.append(el)
            el.set(qn("w:val"), str(int(size * 2)))
    if bold is not None:
        el = rpr.find(qn("w:b"))
        if el is None:
            el = OxmlElement("w:b")
            rpr.append(el)
        el.set(qn("w:val"), "1" if bold else "0")


def _style(
    doc,
    name,
    east_asia,
    size,
    *,
    bold=False,
    align=None,
    first_indent=None,
    line=None,
    before=0,
    after=0,
):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    set_fonts(style.element, east_asia, size=size, bold=bold)
    pf = style.paragraph_format
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if align is not None:
        pf.alignment = align
    if first_indent is not None:
        pf.first_line_indent = Pt(first_indent)
    if line is not None:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(line)
    return style


def new_document(*, official: bool, landscape: bool = False) -> object:
    """An A4 document with the partyflow styles. `official`: 公文 margins and 仿宋 三号 body."""
    doc = Document()
    props = doc.core_properties  # fixed, so a rebuild without changes gives the same content
    props.author = props.last_modified_by = "partyflow"
    props.created = props.modified = dt.datetime(2026, 1, 1)
    props.revision = 1
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
    if official:  # GB/T 9704-2012: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm
        section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = (
            Cm(3.7),
            Cm(3.5),
            Cm(2.8),
            Cm(2.6),
        )
    else:
        section.top_margin = section.bottom_margin = Cm(2.2)
        section.left_margin = section.right_margin = Cm(2.0)
    # Document defaults and Normal: Chinese text is never left in a Latin font.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    set_fonts(rpr_default, SONG)
    body_font, body_size = (FANGSONG, 16) if official else (SONG, 12)
    set_fonts(doc.styles["Normal"].element, body_font, size=body_size)
    doc.styles["Normal"].paragraph_format.space_after = Pt(0)
    line = 29 if official else None
    _style(
        doc,
        "PF Title",
        SONG,
        22 if official else 18,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line=36 if official else None,
        before=0,
        after=18 if official else 6,
    )
    _style(
        doc, "PF Subtitle", KAI, 14 if official else 12, align=WD_ALIGN_PARAGRAPH.CENTER, after=6
    )
    _style(
        doc, "PF DocNo", FANGSONG, 16 if official else 12, align=WD_ALIGN_PARAGRAPH.CENTER, after=12
    )
    _style(
        doc,
        "PF Body",
        body_font,
        body_size,
        first_indent=body_size * 2,
        line=line,
        align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    )
    _style(doc, "PF Addressee", body_font, body_size, line=line)
    _style(doc, "PF Heading", HEI, body_size, first_indent=body_size * 2, line=line, before=0)
    _style(doc, "PF Section", HEI, 14 if not official else body_size, before=10, after=4)
    _style(doc, "PF Signature", body_font, body_size, align=WD_ALIGN_PARAGRAPH.RIGHT, line=line)
    _style(doc, "PF Table", SONG, 10.5)
    _style(doc, "PF TableCenter", SONG, 10.5, align=WD_ALIGN_PARAGRAPH.CENTER)
    _style(doc, "PF TableHead", HEI, 10.5, align=WD_ALIGN_PARAGRAPH.CENTER)
    _style(doc, "PF Note", SONG, 9)
    return doc


def para(doc_or_cell, text="", style="PF Body") -> object:
    p = doc_or_cell.add_paragraph(style=style)
    if text:
        p.add_run(text)  # one run per text: a tag is never split
    return p


def cell_text(cell, text, style="PF Table") -> object:
    """Replace a cell's content with one paragraph (one run) in `style`."""
    p = cell.paragraphs[0]
    p.style = style
    p.text = ""
    if text:
        p.add_run(text)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return p


def cell_lines(cell, lines, style="PF Table") -> None:
    """A cell holding several paragraphs (e.g. a `{%p for %}` loop)."""
    cell_text(cell, lines[0], style)
    for line in lines[1:]:
        cell.add_paragraph(line, style=style)


def cell_top(cell) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP


def min_height(row, cm) -> None:
    row.height, row.height_rule = Cm(cm), WD_ROW_HEIGHT_RULE.AT_LEAST


def table(doc, rows, cols, widths_cm, *, row_cm=0.75) -> object:
    t = doc.add_table(rows=rows, cols=cols)
    for row in t.rows:
        min_height(row, row_cm)
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    for row in t.rows:
        for i, w in enumerate(widths_cm):
            row.cells[i].width = Cm(w)
    for i, w in enumerate(widths_cm):
        t.columns[i].width = Cm(w)
    return t


def add_row(t, cm=0.75) -> object:
    """A row that is never split across pages (w:cantSplit)."""
    row = t.add_row()
    min_height(row, cm)
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    return row


def fill_row(row, texts, style="PF Table") -> None:
    for cell, text in zip(row.cells, texts):
        cell_text(cell, text, style)


def loop_row(t, tag) -> object:
    """A row holding only a docxtpl row tag (`{%tr for … %}` / `{%tr endfor %}`): removed at render."""
    row = t.add_row()
    merged = row.cells[0].merge(row.cells[-1])
    cell_text(merged, tag)
    return row


def head(doc, title, subtitle=None) -> None:
    para(doc, title, "PF Title")
    if subtitle:
        para(doc, subtitle, "PF Subtitle")


def signature_block(doc, lines) -> None:
    for line in lines:
        para(doc, line, "PF Signature")


# --- 发展党员全程纪实表 -------------------------------------------------------------------------------


def member_record() -> object:
    doc = new_document(official=False)
    head(doc, "发展党员全程纪实表", "{{ school }} · {{ branch }}")
    para(
        doc,
        "流程编号：{{ case_no }}　　　规则集：{{ rule_set }}　　　当前阶段：{{ stage }}　　　生成日期：{{ generated_on }}",
        "PF Note",
    )
    para(doc, "一、基本情况", "PF Section")
    widths = [1.9, 3.9, 1.9, 3.5, 1.9, 3.9]
    t = table(doc, 6, 6, widths, row_cm=0.85)
    fill_row(
        t.rows[0],
        [
            "姓　　名",
            "{{ person.name }}",
            "性　　别",
            "{{ person.gender }}",
            "出生日期",
            "{{ person.birth_date }}",
        ],
    )
    fill_row(
        t.rows[1],
        [
            "民　　族",
            "{{ person.ethnicity }}",
            "籍　　贯",
            "{{ person.native_place }}",
            "学　　历",
            "{{ person.education }}",
        ],
    )
    fill_row(
        t.rows[2],
        [
            "身份证号",
            "{{ person.id_number }}",
            "联系电话",
            "{{ person.phone }}",
            "当前身份",
            "{{ person.status }}",
        ],
    )
    fill_row(
        t.rows[3],
        [
            "学　　位",
            "{{ person.degree }}",
            "人员类别",
            "{{ person.person_category }}",
            "工作单位及职务",
            "{{ person.job_post }}",
        ],
    )
    fill_row(t.rows[4], ["所在党支部", "{{ branch }}", "", "", "审批党委", "{{ committee }}"])
    t.rows[4].cells[1].merge(t.rows[4].cells[3])
    cell_text(t.rows[4].cells[1], "{{ branch }}")
    fill_row(
        t.rows[5],
        [
            "入党日期",
            "{{ person.joined_on }}",
            "转正日期",
            "{{ person.converted_on }}",
            "党龄起算",
            "{{ person.party_standing_from }}",
        ],
    )
    for row in t.rows:
        for i in (0, 2, 4):
            row.cells[i].paragraphs[0].style = doc.styles["PF TableHead"]

    para(doc, "二、发展程序纪实（五个阶段、二十五个步骤）", "PF Section")
    widths = [0.9, 2.8, 2.4, 6.2, 1.8, 2.9]
    t = table(doc, 1, 6, widths)
    fill_row(
        t.rows[0],
        ["序号", "步　骤", "日　期", "办理情况（人员、表决、审查、审批）", "经办人", "签　字"],
        "PF TableHead",
    )
    loop_row(t, "{%tr for stage in stages %}")
    row = add_row(t, 0.7)
    merged = row.cells[0].merge(row.cells[-1])
    cell_text(merged, "第{{ stage.no }}阶段　{{ stage.title }}", "PF TableHead")
    loop_row(t, "{%tr for s in stage.steps %}")
    row = add_row(t)
    fill_row(
        row,
        [
            "{{ s.no }}",
            "{{ s.name }}",
            "{{ s.date }}",
            "{{ s.details }}",
            "{{ s.actor }}",
            "{{ s.sign }}",
        ],
    )
    row.cells[0].paragraphs[0].style = doc.styles["PF TableCenter"]
    row.cells[2].paragraphs[0].style = doc.styles["PF TableCenter"]
    min_height(row, 1.5)
    cell_lines(row.cells[5], ["{{ s.sign }}", "", "{{ s.sign_date }}"], "PF Note")
    loop_row(t, "{%tr endfor %}")
    loop_row(t, "{%tr endfor %}")

    para(doc, "三、培养考察记录和思想汇报", "PF Section")
    t = table(doc, 1, 5, [3.4, 1.1, 2.9, 2.9, 6.7])
    fill_row(t.rows[0], ["类　别", "次序", "应交日期", "提交日期", "内容摘要"], "PF TableHead")
    loop_row(t, "{%tr for o in obligations %}")
    fill_row(
        add_row(t),
        [
            "{{ o.label }}",
            "{{ o.seq }}",
            "{{ o.due_on }}",
            "{{ o.submitted_on }}",
            "{{ o.summary }}",
        ],
    )
    loop_row(t, "{%tr endfor %}")
    para(doc, "{{ obligations_note }}", "PF Note")

    para(doc, "四、审核意见", "PF Section")
    t = table(doc, 3, 2, [3.4, 13.6])
    for i, who in enumerate(["党支部意见", "党总支意见", "基层党委意见"]):
        min_height(t.rows[i], 1.9)
        cell_text(t.rows[i].cells[0], who, "PF TableHead")
        cell_lines(
            t.rows[i].cells[1],
            ["", "", "书记（签字）：　　　　　　　　（盖章）　　　　　年　　月　　日"],
        )
    para(
        doc,
        "说明：本表由党支部书记或组织委员根据 partyflow 中的流程记录生成，各步骤的日期、人员和表决结果取自系统，签字栏由经办人手签。",
        "PF Note",
    )
    return doc


# --- 公示 ------------------------------------------------------------------------------------------


def publication_notice() -> object:
    doc = new_document(official=True)
    head(doc, "关于{{ notice.target }}人选的公示")
    para(
        doc,
        "经{{ branch }}{{ notice.decided_by }}研究，拟将下列同志{{ notice.action }}，现予以公示。",
        "PF Body",
    )
    t = table(doc, 1, 6, [2.2, 2.4, 3.6, 2.6, 2.6, 2.6])
    fill_row(
        t.rows[0],
        [
            "姓名",
            "出生年月",
            "所在党支部",
            "申请入党时间",
            "确定积极分子时间",
            "{{ notice.last_column }}",
        ],
        "PF TableHead",
    )
    loop_row(t, "{%tr for p in people %}")
    fill_row(
        add_row(t),
        [
            "{{ p.name }}",
            "{{ p.birth_month }}",
            "{{ p.branch }}",
            "{{ p.applied_on }}",
            "{{ p.activist_on }}",
            "{{ p.last_value }}",
        ],
        "PF TableCenter",
    )
    loop_row(t, "{%tr endfor %}")
    para(doc, "")
    para(doc, "公示时间：{{ notice.start }}至{{ notice.end }}（{{ notice.period }}）。", "PF Body")
    para(
        doc,
        "公示期间，党员和群众可通过来信、来电、来访等方式，向{{ branch }}或{{ committee }}反映被公示对象的情况和问题。"
        "反映问题应实事求是，以个人名义反映的请署真实姓名，以单位名义反映的请加盖公章。",
        "PF Body",
    )
    para(doc, "联系人：{{ contact.name }}　　联系电话：{{ contact.phone }}", "PF Body")
    para(doc, "电子邮箱：{{ contact.email }}　　来访地点：{{ contact.address }}", "PF Body")
    para(doc, "")
    signature_block(doc, ["中共{{ branch }}", "{{ notice.issued_on }}"])
    return doc


# --- 换届选举请示、批复、选举结果报告 -------------------------------------------------------------------


def election_request() -> object:
    doc = new_document(official=True)
    head(doc, "关于召开{{ branch }}党员大会进行换届选举的请示")
    para(doc, "{{ approving }}：", "PF Addressee")
    para(doc, "{{ intro }}{{ request_text }}现将有关事项请示如下：", "PF Body")
    para(doc, "一、大会时间和地点", "PF Heading")
    para(doc, "拟于{{ election_date }}召开支部党员大会，地点：{{ place }}。", "PF Body")
    para(doc, "二、大会议程", "PF Heading")
    para(doc, "（一）听取和审议{{ outgoing }}工作报告；（二）选举产生{{ incoming }}。", "PF Body")
    para(doc, "三、委员名额和候选人", "PF Heading")
    para(
        doc,
        "{{ seats_text }}候选人推荐方式：{{ nomination }}。候选人数多于应选人数{{ margin }}以上（差额选举），即不少于{{ candidates_min }}名。",
        "PF Body",
    )
    para(
        doc,
        "{% if candidates %}候选人预备人选（按姓氏笔画排列）：{{ candidates|join('、') }}。{% else %}候选人预备人选经党员酝酿推荐后另行报批。{% endif %}",
        "PF Body",
    )
    para(doc, "四、选举办法", "PF Heading")
    para(
        doc,
        "采用无记名投票方式。{{ method }}应到会有选举权的党员超过五分之四方可进行选举；被选举人获得赞成票超过实到会有选举权的党员半数始得当选。",
        "PF Body",
    )
    para(doc, "五、不计入应到会人数的党员", "PF Heading")
    para(
        doc,
        "{% if not_counted %}{% for n in not_counted %}{{ n.name }}（{{ n.reason }}）{% if not loop.last %}、{% endif %}{% endfor %}。{% else %}无。{% endif %}",
        "PF Body",
    )
    para(doc, "当否，请批示。", "PF Body")
    para(doc, "")
    signature_block(doc, ["中共{{ branch }}{{ signer_suffix }}", "{{ date }}"])
    para(doc, "（联系人：{{ contact }}）", "PF Body")
    return doc


def election_reply() -> object:
    doc = new_document(official=True)
    para(doc, "{{ document_no }}", "PF DocNo")
    head(doc, "关于{{ verdict_title }}{{ branch }}召开党员大会进行换届选举的批复")
    para(doc, "{{ branch }}：", "PF Addressee")
    para(
        doc,
        "你支部《关于召开{{ branch }}党员大会进行换届选举的请示》收悉。经研究，批复如下：",
        "PF Body",
    )
    para(
        doc,
        "{% if approved %}一、同意你支部于{{ election_date }}召开党员大会进行换届选举。{% elif approved is none %}一、（待批复）{% else %}一、请你支部修改后重新报送：{{ reason }}{% endif %}",
        "PF Body",
    )
    para(doc, "二、{{ seats_text }}", "PF Body")
    para(
        doc,
        "三、{% if candidates %}同意{{ candidates|join('、') }}{{ candidates|length }}名同志为候选人预备人选。{% else %}候选人预备人选由你支部按程序酝酿推荐后报批。{% endif %}",
        "PF Body",
    )
    para(doc, "四、选举结束后，请将选举结果及时报{{ approving }}审批。", "PF Body")
    para(doc, "此复。", "PF Body")
    para(doc, "")
    signature_block(doc, ["中共{{ approving }}", "{{ date }}"])
    return doc


def election_report() -> object:
    doc = new_document(official=True)
    head(doc, "关于{{ branch }}换届选举结果的报告")
    para(doc, "{{ approving }}：", "PF Addressee")
    para(doc, "{{ intro }}", "PF Body")
    para(
        doc,
        "本支部有选举权的党员{{ voters_eligible }}名，{% if excluded %}经上级党组织同意不计入应到会人数的{{ excluded|length }}名，{% endif %}"
        "应到会{{ voters_due }}名，实到会{{ present }}名，{{ quorum_text }}。大会采用无记名投票、差额选举的办法，"
        "共发出选票{{ ballots_issued }}张，收回{{ ballots_returned }}张，其中有效票{{ valid_ballots }}张、无效票{{ invalid_ballots }}张，选举有效。"
        "各候选人得票情况如下：",
        "PF Body",
    )
    t = table(doc, 1, 4, [1.6, 5.0, 4.0, 5.0])
    fill_row(t.rows[0], ["序号", "候选人", "赞成票", "结　果"], "PF TableHead")
    loop_row(t, "{%tr for v in votes %}")
    fill_row(
        add_row(t),
        ["{{ loop.index }}", "{{ v.name }}", "{{ v.yes }}", "{{ v.result }}"],
        "PF TableCenter",
    )
    loop_row(t, "{%tr endfor %}")
    para(doc, "")
    para(doc, "{{ elected_text }}{{ officers_text }}", "PF Body")
    para(
        doc,
        "{% if posts %}委员分工：{% for p in posts %}{{ p.name }}任{{ p.post }}{% if not loop.last %}，{% endif %}{% endfor %}。{% endif %}",
        "PF Body",
    )
    para(doc, "以上选举结果，请予审批。", "PF Body")
    para(doc, "")
    signature_block(doc, ["中共{{ branch }}{{ signer_suffix }}", "{{ date }}"])
    para(doc, "上级党委审批意见：{{ approval_text }}", "PF Body")
    return doc


# --- 三会一课记录 ------------------------------------------------------------------------------------


def meeting_minutes() -> object:
    doc = new_document(official=False)
    head(doc, "{{ branch }}{{ kind }}记录")
    t = table(doc, 10, 4, [2.8, 5.7, 2.8, 5.7], row_cm=0.9)
    min_height(t.rows[4], 1.6)
    min_height(t.rows[8], 9.0)
    min_height(t.rows[9], 4.0)
    rows = [
        ("会议名称", "{{ title }}", None, None),
        ("时　　间", "{{ time }}", "地　　点", "{{ place }}"),
        ("主 持 人", "{{ chair }}", "记 录 人", "{{ recorder }}"),
        ("应到人数", "{{ due }}", "实到人数", "{{ present }}"),
        ("出席人员", "{{ attendees|join('、') }}", None, None),
        (
            "缺席人员及原因",
            "{% for a in absentees %}{{ a.name }}（{{ a.reason }}）{% if not loop.last %}；{% endif %}{% else %}无{% endfor %}",
            None,
            None,
        ),
        ("列席人员", "{{ nonvoting or '无' }}", None, None),
        ("主题（议题）", "{{ topic }}", None, None),
        ("主要内容", None, None, None),
        ("决　　议", None, None, None),
    ]
    for row, (a, b, c, d) in zip(t.rows, rows):
        cell_text(row.cells[0], a, "PF TableHead")
        if c is None:
            merged = row.cells[1].merge(row.cells[3])
            if b is not None:
                cell_text(merged, b)
        else:
            cell_text(row.cells[1], b)
            cell_text(row.cells[2], c, "PF TableHead")
            cell_text(row.cells[3], d)
    content = t.rows[8].cells[1]
    cell_lines(content, ["{%p for line in content %}", "{{ line }}", "{%p endfor %}"])
    cell_top(content)
    resolutions = t.rows[9].cells[1]
    cell_lines(resolutions, ["{%p for line in resolutions %}", "{{ line }}", "{%p endfor %}"])
    cell_top(resolutions)
    para(doc, "佐证资料：{{ evidence or '无' }}", "PF Note")
    para(doc, "")
    para(
        doc,
        "主持人（签字）：＿＿＿＿＿＿　　记录人（签字）：＿＿＿＿＿＿　　{{ signed_on }}",
        "PF Table",
    )
    return doc


# --- 民主评议党员结果汇总 ----------------------------------------------------------------------------


def review_summary() -> object:
    doc = new_document(official=False)
    head(doc, "{{ branch }}{{ year }}年度民主评议党员结果汇总表")
    para(
        doc,
        "上级党组织：{{ committee }}　　　评议流程编号：{{ case_no }}　　　生成日期：{{ generated_on }}",
        "PF Note",
    )
    para(doc, "一、参加评议情况", "PF Section")
    t = table(doc, 2, 4, [4.25] * 4)
    fill_row(
        t.rows[0],
        ["应参加测评党员", "实际投票", "参加评定党员", "参加评议不参加评定的领导干部"],
        "PF TableHead",
    )
    fill_row(
        t.rows[1],
        ["{{ voters_due }}", "{{ ballots }}", "{{ rated_count }}", "{{ not_rated_count }}"],
        "PF TableCenter",
    )
    para(doc, "二、民主测评票数汇总（按等次，不含个人选票）", "PF Section")
    t = table(doc, 1, 3, [5.6, 5.6, 5.8])
    fill_row(t.rows[0], ["等　次", "票　数", "占有效评价比例"], "PF TableHead")
    loop_row(t, "{%tr for g in measurement %}")
    fill_row(add_row(t), ["{{ g.label }}", "{{ g.count }}", "{{ g.share }}"], "PF TableCenter")
    loop_row(t, "{%tr endfor %}")
    para(doc, "三、组织评定结果", "PF Section")
    t = table(doc, 1, 3, [5.6, 5.6, 5.8])
    fill_row(t.rows[0], ["等　次", "人　数", "比　例"], "PF TableHead")
    loop_row(t, "{%tr for g in rating %}")
    fill_row(add_row(t), ["{{ g.label }}", "{{ g.count }}", "{{ g.share }}"], "PF TableCenter")
    loop_row(t, "{%tr endfor %}")
    para(doc, "", "PF Note")
    para(
        doc,
        "{% if warnings %}提示：{{ warnings|join('；') }}{% else %}优秀等次比例符合一般不超过三分之一的要求。{% endif %}",
        "PF Table",
    )
    para(doc, "评定为优秀的党员：{{ excellent|join('、') or '无' }}", "PF Table")
    para(
        doc,
        "评定为基本合格、不合格的党员及处置：{% for u in flagged %}{{ u.name }}（{{ u.grade }}）{% if not loop.last %}、{% endif %}{% else %}无{% endfor %}",
        "PF Table",
    )
    para(doc, "{%p for u in flagged %}", "PF Table")
    para(doc, "{{ u.name }}（{{ u.grade }}）处理情况：{{ u.handling }}", "PF Table")
    para(doc, "{%p endfor %}", "PF Table")
    para(doc, "")
    para(
        doc,
        "支部书记（签字）：＿＿＿＿＿＿＿＿　　　党支部（盖章）　　　　年　　月　　日",
        "PF Table",
    )
    para(
        doc,
        "说明：民主测评以无记名方式进行，本表只汇总各等次票数，不记载任何个人的投票。",
        "PF Note",
    )
    return doc


# --- 组织生活落实情况报告 ----------------------------------------------------------------------------


def compliance_report() -> object:
    doc = new_document(official=False, landscape=True)
    head(
        doc,
        "{{ organization }}组织生活制度落实情况报告",
        "统计期间：{{ period }}（截至{{ as_of }}）",
    )
    para(doc, "一、总体情况", "PF Section")
    para(doc, "{{ summary }}", "PF Table")
    para(doc, "二、各党支部落实情况", "PF Section")
    t = table(doc, 1, 5, [5.0, 5.4, 5.6, 2.4, 7.2])
    fill_row(t.rows[0], ["党支部", "制度要求", "频次和规则", "结　论", "明　细"], "PF TableHead")
    loop_row(t, "{%tr for b in branches %}")
    loop_row(t, "{%tr for o in b.obligations %}")
    row = add_row(t)
    fill_row(
        row,
        [
            "{{ b.name if loop.first else '' }}",
            "{{ o.label }}",
            "{{ o.frequency }}",
            "{{ o.status }}",
            "{{ o.detail }}",
        ],
    )
    row.cells[3].paragraphs[0].style = doc.styles["PF TableCenter"]
    loop_row(t, "{%tr endfor %}")
    loop_row(t, "{%tr endfor %}")
    para(doc, "")
    para(
        doc,
        "说明：达标＝本期已落实；未到期＝本期尚未结束、尚未落实；未落实＝本期已结束仍未落实。数据取自各支部在系统中登记的会议、出勤和党费记录；频次和规则取自规则集 {{ rule_set }}。",
        "PF Note",
    )
    para(
        doc,
        "填报单位（盖章）：＿＿＿＿＿＿＿＿　　　负责人（签字）：＿＿＿＿＿＿＿＿　　　年　　月　　日",
        "PF Table",
    )
    return doc


# --- 党员组织关系介绍信 (FORM-2006): 存根、介绍信、回执 ------------------------------------------------


def transfer_letter() -> object:
    doc = new_document(official=True)
    cut = "－ － － － － － － － － － － － － － － － － － － － －"
    head(doc, "中国共产党党员组织关系介绍信（存根）")
    para(doc, "第 {{ serial }} 号", "PF Body")
    para(
        doc,
        "{{ name }} 同志系中共{{ status }}党员，组织关系由 {{ from_org }} 转到 {{ to_org }}。",
        "PF Body",
    )
    para(doc, "{{ issued_on }}", "PF Body")
    para(doc, "（回执粘贴处）", "PF Body")
    para(doc, cut, "PF Body")
    head(doc, "中国共产党党员组织关系介绍信")
    para(doc, "第 {{ serial }} 号", "PF Body")
    para(doc, "{{ to_org }}：", "PF Addressee")
    para(
        doc,
        "{{ name }} 同志（{{ gender }}，{{ age }}岁，{{ ethnicity }}），系中共{{ status }}党员，身份证号码 {{ id_number }}，由 {{ from_org }} 去 {{ to_org }}，请转接组织关系。该同志党费已交到 {{ dues_year }} 年 {{ dues_month }} 月。",
        "PF Body",
    )
    para(doc, "（有效期 {{ validity }} 天）", "PF Body")
    signature_block(doc, ["中共{{ issuer }}（盖章）", "{{ issued_on }}"])
    para(doc, "党员联系电话：{{ phone }}", "PF Body")
    para(doc, cut, "PF Body")
    head(doc, "中国共产党党员组织关系介绍信（回执）")
    para(doc, "第 {{ serial }} 号", "PF Body")
    para(doc, "{{ issuer }}：", "PF Addressee")
    para(doc, "{{ name }} 同志的党员组织关系已转达我处，特此回执。", "PF Body")
    signature_block(doc, ["（盖章）", "年　　月　　日"])
    para(doc, "经办人：　　　　　联系电话：", "PF Body")
    return doc


# --- 服务型党支部示范点考评结果表 (P6; its PDF: printing/evaluation_result.html, the same fields) ---------


def evaluation_result() -> object:
    doc = new_document(official=False)
    head(doc, "{{ branch }}{{ year }}年度服务型党支部示范点考评结果表")
    para(
        doc,
        "组织评估的党委：{{ committee }}　　　评估流程编号：{{ case_no }}　　　标准：{{ standard_set }}",
        "PF Note",
    )
    para(doc, "一、考评情况", "PF Section")
    para(doc, "{{ summary }}", "PF Table")
    para(doc, "满意度测评：{{ survey }}", "PF Table")
    para(doc, "二、逐项考评", "PF Section")
    t = table(doc, 1, 5, [2.6, 2.4, 6.0, 1.8, 4.2])
    fill_row(t.rows[0], ["标　准", "考评结果", "具体内容", "评　定", "佐　证"], "PF TableHead")
    loop_row(t, "{%tr for s in standards %}")
    loop_row(t, "{%tr for i in s.rows %}")
    row = add_row(t)
    fill_row(
        row,
        [
            "{{ s.title if loop.first else '' }}",
            "{{ (s.status ~ '（' ~ s.met ~ '）') if loop.first else '' }}",
            "{{ i.text }}",
            "{{ i.status }}",
            "{{ i.evidence }}",
        ],
    )
    row.cells[3].paragraphs[0].style = doc.styles["PF TableCenter"]
    loop_row(t, "{%tr endfor %}")
    loop_row(t, "{%tr endfor %}")
    para(doc, "三、评审决定", "PF Section")
    para(doc, "评审结论：{{ decision }}", "PF Table")
    para(doc, "评审意见：{{ comment }}", "PF Table")
    para(doc, "{%p if improve %}", "PF Table")
    para(doc, "需改进的内容：", "PF Table")
    para(doc, "{%p for line in improve %}", "PF Table")
    para(doc, "{{ loop.index }}. {{ line }}", "PF Table")
    para(doc, "{%p endfor %}", "PF Table")
    para(doc, "{%p endif %}", "PF Table")
    para(doc, "评审日期：{{ decided_on }}　　　文号：{{ document_no }}", "PF Table")
    para(doc, "")
    signature_block(doc, ["{{ decided_by }}（盖章）", "{{ decided_on }}"])
    para(
        doc,
        "说明：评定取自本支部该年度在系统中的记录（评审决定当日的状态）和学院党委逐项审核的结论。"
        "一项标准：已评定的内容全部达标为达标，有达标也有未达标为部分达标，没有达标的为未达标；"
        "未提交佐证的人工评审内容不参与评定，全部内容都没有佐证为无佐证。",
        "PF Note",
    )
    return doc


BUILDERS = [
    member_record,
    publication_notice,
    election_request,
    election_reply,
    election_report,
    meeting_minutes,
    review_summary,
    compliance_report,
    transfer_letter,
    evaluation_result,
]


def normalize(path: Path) -> None:
    """Rewrite the .docx (a zip) with fixed entry dates, so an unchanged template rebuilds to the
    same bytes (and the same sha256, the template version recorded with every document)."""
    with zipfile.ZipFile(path) as zf:
        entries = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(
                zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)),
                data,
                compress_type=zipfile.ZIP_DEFLATED,
            )


class Command(BaseCommand):
    help = (
        "Build the shipped Word templates (printing/templates/*.docx) with python-docx; "
        "--out DIR builds them elsewhere."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--out",
            type=Path,
            default=SHIPPED_DIR,
            help="directory to write (default: the shipped one)",
        )

    def handle(self, *args, out: Path, **options) -> None:
        out.mkdir(parents=True, exist_ok=True)
        for build in BUILDERS:
            path = out / f"{build.__name__}.docx"
            build().save(path)
            normalize(path)
            self.stdout.write(str(path))
