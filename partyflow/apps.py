from django.apps import AppConfig
from django.conf import settings
from django.core.signals import setting_changed

from engine.calendar import use_holidays_file


def configure_calendar(**kwargs) -> None:
    """Hand PARTYFLOW["HOLIDAYS_FILE"] to the engine's business calendar (engine/ reads no settings);
    again whenever a test overrides PARTYFLOW."""
    if kwargs.get("setting", "PARTYFLOW") == "PARTYFLOW":
        use_holidays_file(settings.PARTYFLOW.get("HOLIDAYS_FILE") or None)


class PartyflowConfig(AppConfig):
    name = "partyflow"

    def ready(self) -> None:
        configure_calendar()
        setting_changed.connect(configure_calendar, dispatch_uid="partyflow.configure_calendar")
