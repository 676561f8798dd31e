from django.db import migrations, models
from django.utils import timezone


def resolve_notifications_of_closed_tasks(apps, schema_editor):
    """Notifications about tasks already closed stop asking to act (marked now: when each task
    closed is on the task); safe to run twice."""
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(resolved_at__isnull=True, task__isnull=False).exclude(
        task__status="open"
    ).update(resolved_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_term_expiry_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="resolved_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(resolve_notifications_of_closed_tasks, migrations.RunPython.noop),
    ]
