from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "流程与任务"

    def ready(self):
        from . import procedures  # noqa: F401  (registers form checks, contexts and effects)
