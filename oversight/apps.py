from django.apps import AppConfig

from workflows import registry


class OversightConfig(AppConfig):
    name = "oversight"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at module level: selectors and standards import models, loaded only
        # once apps are.
        from .selectors import weak_branch_identification
        from .standards import provide_branch_indicators

        # Procedures sit below oversight and cannot import it: P4's start computes the
        # identification evidence with this report, P6 reads the pre-filled indicators.
        registry.provide("weak_branch_signals", weak_branch_identification)
        registry.provide("standards.branch_indicators", provide_branch_indicators)
