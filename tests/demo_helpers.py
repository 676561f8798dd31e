"""The demo university (`seed_demo`) seeded at a fixed moment, and a command's printed output.
Shared by the operator-command tests and the `documents` command's samples test."""

from contextlib import contextmanager
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from workflows.services import process_deploy

from .helpers import cst

# A fixed moment keeps the seeded terms and reminder dates the same on every run.
SEED_MOMENT = cst(2026, 3, 2, 10)

# What each demo user finds in their inbox right after seeding. Empty by design: the superuser
# (no lane), the auditor (read-only), the plain member, and the secretaries whose branch waits on
# the college committee or on its reminder. The organization department has the school committee's
# decision of the computer-science college's P6 round.
# secretary_se also has the P1 talk with the demo applicant (due in two days); secretary_se,
# committee_se and member_se their self-assessment of the democratic review; secretary_cs_admin the
# rectification plan of the branch designated weak.
EXPECTED_INBOX = {
    "admin": 0,
    "orgdept": 1,
    "auditor": 0,
    "member_se": 1,
    "officer_cs": 2,
    "officer_marx": 1,
    "secretary_se": 3,
    "committee_se": 2,
    "secretary_cs_stu": 1,
    "secretary_marx_joint": 1,
    "secretary_cs_admin": 1,
    "secretary_cs_grad": 0,
    "secretary_marx_retired": 0,
    "secretary_marx_temp": 0,
    "secretary_marx_teach": 0,
}

# The step each branch's election waits at (None: the term-expiry reminder has not fired yet).
EXPECTED_STEPS = {
    "软件工程系教工党支部": "submit_request",
    "计算机科学专业学生党支部": "record_vote",
    "计算机学院行政教辅党支部": "reply_request",
    "计算机学院研究生第一党支部": "review_candidates",
    "马克思主义学院离退休党支部": "approve_results",
    "马克思主义学院资料室、实验中心、学院办公室联合党支部": "submit_request",
    "马克思主义学院赴新疆支教临时党支部": None,
    "马克思主义基本原理教研室教工党支部": None,
}


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **kwargs)
    return out.getvalue()


@pytest.fixture
def seeded(deployed):
    with time_machine.travel(SEED_MOMENT, tick=False):
        yield run("seed_demo")


@contextmanager
def module_transaction(django_db_blocker):
    """Data the tests of one module share, written once: the transaction stays open while the
    module's tests run, each test in a savepoint of it (pytest-django's `db` nests its atomic
    blocks), so each test starts from the data as written; rolled back after the module.
    Only for modules whose every test takes the fixture (tests/conftest.py checks it): another test
    of the module would find the data."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# The module-scoped fixtures that write data a module's tests share (see module_transaction).
MODULE_DATA_FIXTURES = {"seeded_module", "hostile_demo"}


@pytest.fixture(scope="module")
def seeded_module(django_db_setup, django_db_blocker):
    """`seeded` once for the whole module (seeding takes a minute on a busy machine): for a module
    whose tests read the demo and do not commit (no `transaction=True`)."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            process_deploy()
            with time_machine.travel(SEED_MOMENT, tick=False):
                out = run("seed_demo")
        with time_machine.travel(SEED_MOMENT, tick=False):
            yield out
