"""`partyflow build-templates` rebuilds the shipped Word templates byte for byte: the sha256 recorded
with every stored document stays the template's version until someone changes the builder."""

import io

from django.core.management import call_command

from printing.render import SHIPPED_DIR


def test_build_templates_rebuilds_every_shipped_docx_byte_for_byte(tmp_path):
    call_command("build_templates", out=tmp_path, stdout=io.StringIO())
    built = sorted(p.name for p in tmp_path.glob("*.docx"))
    assert built == sorted(p.name for p in SHIPPED_DIR.glob("*.docx"))
    for name in built:
        assert (tmp_path / name).read_bytes() == (SHIPPED_DIR / name).read_bytes(), name
