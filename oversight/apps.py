from django.apps import AppConfig

from workflows import registry


class OversightConfig(AppConfig):
    name = "oversight"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at module level: selectors import models, loaded only once apps are.
        from .selectors import weak_branch_identification

        # P4's start computes the identification evidence with this report (procedures sit below
        # oversight and cannot import it).
        registry.provide("weak_branch_signals", weak_branch_identification)
