from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # workflows closes tasks and cannot import this package: it asks for "tasks_closed".
        from workflows.registry import provide  # noqa: PLC0415 - app registry must be ready

        from .services import notifications_resolve  # noqa: PLC0415

        provide("tasks_closed", notifications_resolve)
