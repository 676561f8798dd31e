"""Celery app. With CELERY_BROKER_URL set, `partyflow worker` and `partyflow beat` run the timers."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyflow.settings")

app = Celery("partyflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
# `<app>.tasks` of every installed app; procedures' jobs register when the procedures are discovered.
app.autodiscover_tasks()
