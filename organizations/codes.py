"""National code lists for the member record, as the national Party-member information system and
the offices' rosters use them. The stored value is the national code; people read the label.

- 性别: GB/T 2261.1-2003 (人的性别代码)
- 民族: GB/T 3304-1991 (中国各民族名称的罗马字母拼写法和代码), 56 groups plus 97/98
- 学历: GB/T 4658-2006 (学历代码), the levels a roster records
- 学位: GB/T 6864-2003 (中华人民共和国学位代码), first digit (level)
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    UNKNOWN = "0", _("未知的性别")
    MALE = "1", _("男")
    FEMALE = "2", _("女")
    UNSPECIFIED = "9", _("未说明的性别")


class Ethnicity(models.TextChoices):
    HAN = "01", _("汉族")
    MONGOL = "02", _("蒙古族")
    HUI = "03", _("回族")
    TIBETAN = "04", _("藏族")
    UYGHUR = "05", _("维吾尔族")
    MIAO = "06", _("苗族")
    YI = "07", _("彝族")
    ZHUANG = "08", _("壮族")
    BOUYEI = "09", _("布依族")
    KOREAN = "10", _("朝鲜族")
    MANCHU = "11", _("满族")
    DONG = "12", _("侗族")
    YAO = "13", _("瑶族")
    BAI = "14", _("白族")
    TUJIA = "15", _("土家族")
    HANI = "16", _("哈尼族")
    KAZAKH = "17", _("哈萨克族")
    DAI = "18", _("傣族")
    LI = "19", _("黎族")
    LISU = "20", _("傈僳族")
    VA = "21", _("佤族")
    SHE = "22", _("畲族")
    GAOSHAN = "23", _("高山族")
    LAHU = "24", _("拉祜族")
    SUI = "25", _("水族")
    DONGXIANG = "26", _("东乡族")
    NAXI = "27", _("纳西族")
    JINGPO = "28", _("景颇族")
    KYRGYZ = "29", _("柯尔克孜族")
    TU = "30", _("土族")
    DAUR = "31", _("达斡尔族")
    MULAO = "32", _("仫佬族")
    QIANG = "33", _("羌族")
    BLANG = "34", _("布朗族")
    SALAR = "35", _("撒拉族")
    MAONAN = "36", _("毛南族")
    GELAO = "37", _("仡佬族")
    XIBE = "38", _("锡伯族")
    ACHANG = "39", _("阿昌族")
    PUMI = "40", _("普米族")
    TAJIK = "41", _("塔吉克族")
    NU = "42", _("怒族")
    UZBEK = "43", _("乌孜别克族")
    RUSSIAN = "44", _("俄罗斯族")
    EVENKI = "45", _("鄂温克族")
    DEANG = "46", _("德昂族")
    BONAN = "47", _("保安族")
    YUGUR = "48", _("裕固族")
    GIN = "49", _("京族")
    TATAR = "50", _("塔塔尔族")
    DERUNG = "51", _("独龙族")
    OROQEN = "52", _("鄂伦春族")
    HEZHEN = "53", _("赫哲族")
    MONBA = "54", _("门巴族")
    LHOBA = "55", _("珞巴族")
    JINO = "56", _("基诺族")
    OTHER = "97", _("其他")
    FOREIGN_ORIGIN = "98", _("外国血统中国籍人士")


class Education(models.TextChoices):
    POSTGRADUATE = "10", _("研究生教育")
    DOCTORAL = "11", _("博士研究生")
    MASTER = "14", _("硕士研究生")
    UNDERGRADUATE = "20", _("大学本科")
    JUNIOR_COLLEGE = "30", _("大学专科")
    SECONDARY_VOCATIONAL = "40", _("中等职业教育")
    SENIOR_HIGH = "60", _("普通高级中学教育")
    JUNIOR_HIGH = "70", _("初级中学教育")
    PRIMARY = "80", _("小学教育")
    OTHER = "90", _("其他")


class Degree(models.TextChoices):
    DOCTOR = "2", _("博士")
    MASTER = "3", _("硕士")
    BACHELOR = "4", _("学士")


class PersonCategory(models.TextChoices):
    """人员类别 as university rosters keep it (教职工/学生/离退休)."""

    STAFF = "staff", _("教职工")
    STUDENT = "student", _("学生")
    RETIRED = "retired", _("离退休")
    OTHER = "other", _("其他")


class StudentLevel(models.TextChoices):
    """A student member's level (层次), the rows of 党统 表7 学生党员情况 (DT-2017)."""

    POSTGRADUATE = "postgraduate", _("研究生")
    UNDERGRADUATE = "undergraduate", _("大学本科生")
    COLLEGE = "college", _("大学专科生")
    SECONDARY = "secondary", _("中专生")
    HIGH = "high", _("高中、中技学生")


class StudentGrade(models.TextChoices):
    """The grade a student is counted in on a cut-off date (表7): computed, not stored
    (`organizations.students.student_grade`)."""

    GRADUATING = "graduating", _("毕业年级")
    FIRST = "first", _("一年级")
    OTHER = "other", _("其他年级")


class Misconduct(models.TextChoices):
    """What an expulsion (开除党籍) or a removal (除名) was for: the rows of 党统 表11 出党情况（二）
    (DT-2017): the 违纪行为 of a disciplinary expulsion, the 具体表现 of an unqualified member
    removed (the six kinds of 不合格党员), or 其他. 违反干部选拔任用规定 is a "其中" of 违反组织纪律."""

    POLITICAL = "political", _("违反政治纪律")
    ORGANIZATIONAL = "organizational", _("违反组织纪律")
    CADRE_SELECTION = "cadre_selection", _("违反组织纪律：违反干部选拔任用规定")
    INTEGRITY = "integrity", _("违反廉洁纪律")
    MASSES = "masses", _("违反群众纪律")
    WORK = "work", _("违反工作纪律")
    LIFE = "life", _("违反生活纪律")
    IDEALS = "ideals", _("理想信念缺失")
    POLITICAL_STANCE = "political_stance", _("政治立场动摇")
    PURPOSE = "purpose", _("宗旨观念淡薄")
    SLACK = "slack", _("工作消极懈怠")
    UNDISCIPLINED = "undisciplined", _("组织纪律散漫")
    CONDUCT = "conduct", _("道德行为不端")
    OTHER = "other", _("其他")


class LostContactReason(models.TextChoices):
    """Why a member lost contact with the branch: the 失去联系具体情形 of 党统 表43 (DT-2017)."""

    MIGRANT_WORK = "migrant_work", _("外出务工经商")
    EMPLOYER_RESTRUCTURED = "employer_restructured", _("单位改制或破产")
    GRADUATED_UNKNOWN = "graduated_unknown", _("毕业后去向不明")
    EMPLOYER_CHANGED = "employer_changed", _("工作单位改变")
    ABROAD = "abroad", _("出国（境）")
    MOVED = "moved", _("居住地改变")
    OTHER = "other", _("其他")
