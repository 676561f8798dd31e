from django.apps import AppConfig


class DevelopmentConfig(AppConfig):
    name = "procedures.member_development"
    label = "development"  # the tables and migrations of the former `development` app stay
    verbose_name = "发展党员"
