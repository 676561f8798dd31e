from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0007_imported_committees_serve_until_the_next_election"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="native_place",
            field=models.CharField(blank=True, default="", max_length=100, verbose_name="籍贯"),
        ),
    ]
