from django.apps import AppConfig

from workflows import registry


class DevelopmentConfig(AppConfig):
    name = "procedures.member_development"
    label = "development"  # the tables and migrations of the former `development` app stay
    verbose_name = "发展党员"

    def ready(self) -> None:
        # Imported here, not at module level: the services import models, loaded only once apps
        # are. Procedures do not import each other: P7 records the committee's 停止党籍 through
        # this provider, so the status history and the statistics keep one writer.
        from functools import partial

        from .models import StatusEvent
        from .services import member_status_event

        registry.provide(
            "member_suspension", partial(member_status_event, event=StatusEvent.SUSPENSION)
        )
