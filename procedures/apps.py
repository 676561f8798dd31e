from django.apps import AppConfig

from . import discover


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = "党内程序"

    def ready(self) -> None:
        # Each procedure module imports models: discovery waits until the apps are loaded.
        discover()
