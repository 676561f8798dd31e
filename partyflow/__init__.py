"""partyflow: BPMN workflows for the Party-affairs procedures of Chinese universities."""

from .celery import app as celery_app

__all__ = ["celery_app"]
