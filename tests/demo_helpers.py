"""The demo university (`seed_demo`) seeded at a fixed moment, and a command's printed output.
Shared by the operator-command tests and the `documents` command's samples test."""

from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from .helpers import cst

# A fixed moment keeps the seeded terms and reminder dates the same on every run.
SEED_MOMENT = cst(2026, 3, 2, 10)


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **kwargs)
    return out.getvalue()


@pytest.fixture
def seeded(deployed):
    with time_machine.travel(SEED_MOMENT, tick=False):
        yield run("seed_demo")
