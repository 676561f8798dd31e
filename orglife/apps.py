from django.apps import AppConfig


class OrglifeConfig(AppConfig):
    name = "orglife"
    default_auto_field = "django.db.models.BigAutoField"
