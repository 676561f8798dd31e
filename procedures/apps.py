from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = "党内程序"

    def ready(self) -> None:
        from . import discover  # noqa: PLC0415  (the package itself; discovery needs the models loaded)

        discover()
