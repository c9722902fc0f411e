"""The Celery app, in the layout Celery documents for Django; `celery -A <project> worker` runs it (Procfile).

Its settings are Django's, the CELERY_ ones (settings.py: the broker is the platform's BROKER_URL). Without
BROKER_URL nothing is queued: the project does its media work in the process that asks for it.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ cookiecutter.project_slug }}.settings")

app = Celery("{{ cookiecutter.project_slug }}")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
