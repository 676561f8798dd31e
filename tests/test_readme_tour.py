"""The README's tour runs as written against a demo server: every ```bash block of README.md, in
order, in one bash, against a live server over a freshly seeded demo. Every curl that answers 4xx
or 5xx fails the test, naming the command (the text promises success for each of them)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from partyflow.demo import seed_demo
from workflows.services import process_deploy

README = Path(__file__).resolve().parent.parent / "README.md"

# Wraps curl: prints the body as curl would, and records every answer of 400 or more.
PREAMBLE = r"""
set -u
curl() {
  local out code
  out=$(command curl -sS -w '\n__HTTP__%{http_code}' "$@") || { echo "curl failed: curl $*" >> "$FAILURES"; return 1; }
  code=${out##*__HTTP__}
  printf '%s' "${out%$'\n'__HTTP__*}"
  if [ "$code" -ge 400 ]; then echo "HTTP $code: curl $* -> ${out%$'\n'__HTTP__*}" >> "$FAILURES"; fi
}
"""


def tour_blocks(text: str) -> list[str]:
    return re.findall(r"^```bash\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def test_readme_has_a_tour_and_no_hard_coded_ids():
    blocks = tour_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    script = "\n".join(blocks)
    # Ids come from an inbox or a lookup, never typed in.
    assert not re.search(r"\$API/(tasks|cases|members|notifications|documents)/\d+", script)
    assert not re.search(r'organization=\d|"organization":\d|"delegate": ?\d', script)


@pytest.mark.skipif(
    shutil.which("curl") is None or shutil.which("bash") is None, reason="needs curl and bash"
)
@pytest.mark.django_db(transaction=True)
def test_readme_tour_runs_against_a_demo_server(live_server, tmp_path):
    process_deploy()
    seed_demo()
    failures = tmp_path / "failures"
    failures.write_text("")
    script = PREAMBLE + "\n".join(tour_blocks(README.read_text(encoding="utf-8")))
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "API": f"{live_server.url}/api",
            "FAILURES": str(failures),
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
        },
    )
    assert failures.read_text() == "", failures.read_text()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    # What the tour shows is what a person reads: names and labels, the next step after a completion.
    assert (
        "next_tasks" in result.stdout
        and "批复换届请示" in result.stdout
        and "支部书记" in result.stdout
    )
    assert (tmp_path / "report.html").read_text(encoding="utf-8").count("办理经过") == 1
