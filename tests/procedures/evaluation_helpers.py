"""P6 rounds through the API: the self-assessment against every standard of the JSNU set, and
evidence uploaded to a branch's case to be linked from it."""

from django.core.files.uploadedfile import SimpleUploadedFile

from engine.standards import load_all

JSNU = load_all()["jsnu-2020"]
PDF = b"%PDF-1.4\n%%EOF\n"


def upload(client, case_id, name):
    r = client.post(
        f"/api/cases/{case_id}/documents/",
        {"file": SimpleUploadedFile(name, PDF)},
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    return r.json()["id"]


def self_assessment(documents=None):
    """Every standard of the set, each with its items; `documents`: {item code: [document ids]}."""
    documents = documents or {}
    return {
        "standards": [
            {
                "standard": s.code,
                "rating": "met",
                "statement": f"对照“{s.title}”逐项自查",
                "items": [
                    {"item": i.code, "document_ids": documents.get(i.code, [])} for i in s.items
                ],
            }
            for s in JSNU.standards
        ]
    }
