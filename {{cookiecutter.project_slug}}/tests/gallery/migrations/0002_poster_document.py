from django.db import migrations, models
{%- if cookiecutter.private_media %}

import tests.gallery.models
{%- endif %}


class Migration(migrations.Migration):
    dependencies = [("gallery", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Poster",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=100)),
                (
                    "image",
                    models.ImageField(height_field="height", upload_to="posters/%Y/", width_field="width"),
                ),
                ("width", models.PositiveIntegerField(editable=False, null=True)),
                ("height", models.PositiveIntegerField(editable=False, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="Document",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=100)),
                ("file", models.FileField(upload_to="documents/")),
{%- if cookiecutter.private_media %}
                (
                    "private_file",
                    models.FileField(
                        blank=True, storage=tests.gallery.models.private_storage, upload_to="documents/"
                    ),
                ),
{%- endif %}
            ],
        ),
    ]
