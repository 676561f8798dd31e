"""One pattern reads the articles a step's documentation cites; the task's guide (API) and the task
page (web) each word them their way from the same citations."""

from django.utils import translation

from web.selectors import rule_citations
from workflows.citations import citations
from workflows.guides import article_refs

DOC = "Branch committee decides (DEV-2014 Art. 5-6; CONST Art. 9, ELEC-2020 Art. 3, 5; XYTC §4-8/4-9)."


def test_each_citation_is_read_with_its_source_unit_and_numbers():
    assert [(c["source"], c["unit"], c["numbers"], c["first"]) for c in citations(DOC)] == [
        ("DEV-2014", "Art.", "5-6", "5-6"),
        ("CONST", "Art.", "9, ", "9"),
        ("ELEC-2020", "Art.", "3, 5", "3"),
        ("XYTC", "§", "4-8/4-9", "4-8"),
    ]


def test_the_guide_and_the_page_word_the_same_citations_each_their_way():
    with translation.override("zh-hans"):
        assert article_refs(DOC) == "DEV-2014 第5—6条、CONST 第9条、ELEC-2020 第3条"
        assert rule_citations(DOC) == [
            "《中国共产党发展党员工作细则》第5—6条",
            "《中国共产党章程》第9条",
            "《中国共产党基层组织选举工作条例》第3、5条",
            "党支部建设“两化一创”清单第4—8/4—9项",
        ]
