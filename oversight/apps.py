from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # P6 reads the pre-filled indicators through the registry (procedures do not import
        # oversight).
        # Imported here: models may be imported only once the app registry is ready.
        from workflows.registry import provide

        from .standards import provide_branch_indicators

        provide("standards.branch_indicators", provide_branch_indicators)
