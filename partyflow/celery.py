"""Celery app. With CELERY_BROKER_URL set, `partyflow worker` and `partyflow beat` run the timers."""

import os

from celery import Celery
from celery.signals import worker_process_init

from partyflow.startup import freeze_start_up_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyflow.settings")

app = Celery("partyflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
# `<app>.tasks` of every installed app; procedures' jobs register when the procedures are discovered.
app.autodiscover_tasks()


@worker_process_init.connect
def _freeze_start_up_objects(**_kwargs):
    """A worker process starts with everything Django, DRF, SpiffWorkflow and the procedures
    imported: hundreds of thousands of objects that live as long as the process. Moved out of the
    collector's reach (`gc.freeze`), they are no longer walked by every full collection, which a
    batch of 200 timers (a few hundred thousand new objects) triggers several times. In one process
    (`python -m bench.profile --only timers --gc freeze|default`) the collector took a third of a
    batch's time; on a machine shared with other work the saving stayed within the runs' noise
    (bench/README.md, "Timers")."""
    freeze_start_up_objects()
