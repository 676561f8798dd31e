"""Real sign-on servers for the tests, started once per test session (issue 30):

- `cas_server`: django-cas-server (CAS 3.0) in its own process (`runserver`), its own SQLite
  database and users (tests/cas_site/);
- `ldap_server`: Debian's OpenLDAP `slapd` with a directory generated here (slapadd), on a free port.

Each skips with the reason when its program is missing (slapd: `sh .ci/ensure-packages`).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from .receivers import free_port

REPO = Path(settings.BASE_DIR)
SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"
LDAP_SUFFIX = "dc=example,dc=edu,dc=cn"

# The campus directory: 工号/学号 → password. T2023001 is registered in partyflow by the tests (a
# member's 学工号); S2099999 exists only on campus.
CAMPUS_PEOPLE = {"T2023001": "campus-pw-1", "S2099999": "campus-pw-2"}


def wait_for_port(port: int, proc: subprocess.Popen, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port} within {seconds} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class CasServer:
    url: str  # the CAS server's URL as partyflow's settings name it (…/cas/)
    people: dict = field(default_factory=dict)


CAS_SETUP = """
from django.contrib.auth.models import User
from cas_server.models import ServicePattern
import json, os
for username, password in json.loads(os.environ["CAS_PEOPLE"]).items():
    User.objects.create_user(username=username, password=password)
ServicePattern.objects.create(
    pos=100, name="partyflow", pattern=r"^https?://(localhost|127\\.0\\.0\\.1)(:[0-9]+)?/.*$"
)
"""


@pytest.fixture(scope="session")
def cas_server(tmp_path_factory):
    import json

    workdir = tmp_path_factory.mktemp("cas")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.cas_site.settings",
        "CAS_SITE_DB": str(workdir / "cas.sqlite3"),
        "CAS_PEOPLE": json.dumps(CAMPUS_PEOPLE),
        "PYTHONPATH": str(REPO),
    }
    env.pop("DATABASE_URL", None)

    def django(*args):
        subprocess.run(
            [sys.executable, "-m", "django", *args],
            env=env,
            cwd=workdir,
            check=True,
            capture_output=True,
            timeout=120,
        )

    django("migrate", "--noinput")
    django("shell", "-c", CAS_SETUP)
    port = free_port()
    log = (workdir / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, proc, "the CAS server")
        yield CasServer(url=f"http://127.0.0.1:{port}/cas/", people=CAMPUS_PEOPLE)
    finally:
        stop(proc)
        log.close()


@dataclass
class LdapServer:
    uri: str
    user_dn: str  # the DN template partyflow's settings take (%(user)s is the uid)
    people: dict = field(default_factory=dict)


SLAPD_CONF = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile {dir}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "{suffix}"
rootdn "cn=admin,{suffix}"
rootpw admin-test-only
directory {dir}/data
maxsize 10485760
access to attrs=userPassword by anonymous auth by self write by * none
access to * by * read
"""


def ldap_directory(people: dict) -> str:
    entries = [
        f"dn: {LDAP_SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\n"
        "o: Example University\n",
        f"dn: ou=people,{LDAP_SUFFIX}\nobjectClass: organizationalUnit\nou: people\n",
    ]
    for uid, password in people.items():
        hashed = subprocess.run(
            ["/usr/sbin/slappasswd", "-s", password], capture_output=True, text=True, check=True
        ).stdout.strip()
        entries.append(
            f"dn: uid={uid},ou=people,{LDAP_SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\n"
            f"cn: {uid}\nsn: {uid}\nuserPassword: {hashed}\n"
        )
    return "\n".join(entries)


@pytest.fixture(scope="session")
def ldap_server(tmp_path_factory):
    if not (os.path.exists(SLAPD) and shutil.which("slappasswd", path="/usr/sbin:/usr/bin")):
        pytest.skip(f"{SLAPD} is missing (sh .ci/ensure-packages installs slapd)")
    workdir = tmp_path_factory.mktemp("ldap")
    (workdir / "data").mkdir()
    conf = workdir / "slapd.conf"
    conf.write_text(SLAPD_CONF.format(dir=workdir, suffix=LDAP_SUFFIX))
    ldif = workdir / "directory.ldif"
    ldif.write_text(ldap_directory(CAMPUS_PEOPLE))
    subprocess.run(
        [SLAPADD, "-f", str(conf), "-l", str(ldif)], check=True, capture_output=True, timeout=60
    )
    port = free_port()
    log = (workdir / "slapd.log").open("w")
    proc = subprocess.Popen(
        [SLAPD, "-f", str(conf), "-h", f"ldap://127.0.0.1:{port}/", "-d", "0"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, proc, "slapd")
        yield LdapServer(
            uri=f"ldap://127.0.0.1:{port}",
            user_dn=f"uid=%(user)s,ou=people,{LDAP_SUFFIX}",
            people=CAMPUS_PEOPLE,
        )
    finally:
        stop(proc)
        log.close()
