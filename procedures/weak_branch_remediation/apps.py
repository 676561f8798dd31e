from django.apps import AppConfig


class WeakBranchRemediationConfig(AppConfig):
    name = "procedures.weak_branch_remediation"
    label = "weak_branch_remediation"
    verbose_name = "整顿软弱涣散党支部"
    default_auto_field = "django.db.models.BigAutoField"
