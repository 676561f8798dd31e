"""Fields the API's serializers share."""

from rest_framework import serializers

from workflows.labels import label


class LabelField(serializers.CharField):
    """A Chinese label from a BPMN or form file (task name, stage), rendered in the request's language."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return label(super().to_representation(value))
