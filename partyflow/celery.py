"""Celery app. With CELERY_BROKER_URL set, `partyflow worker` and `partyflow beat` run the timers."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partyflow.settings")

app = Celery("partyflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["workflows", "notifications", "orglife", "oversight"])
