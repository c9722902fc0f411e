"""The generated project's container image, built and run as the platform does it.

One combination (the default answers): the image is built from the project's Dockerfile on a local
Debian base, then started with only the platform's variables against a real PostgreSQL server and a
real S3 server on loopback. Deselect with `-m "not container"`.
"""

import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests

from . import container

pytestmark = pytest.mark.container

SECRET = "container-test-secret-3f9a7c1e5b"
# What a developer's checkout holds beside the code, and the image must not.
LEFTOVERS = {
    ".env": f"SECRET_KEY={SECRET}\n",
    "media/leftover.txt": "uploaded on a laptop\n",
    "db.sqlite3": "a local database\n",
    ".venv/pyvenv.cfg": "home = /usr/bin\n",
    "test-artifacts/screenshot.txt": "a test's output\n",
    ".git/config": "[core]\n",
}
HTTPS = {"X-Forwarded-Proto": "https"}  # as the platform's proxy says it


def baked_tests(project: Path):
    """The baked project's own test helpers (its S3 and PostgreSQL servers, its admin session), imported
    under another name: the template's tests are a package called `tests` too."""
    name = "baked_project_tests"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, project / "tests" / "__init__.py", submodule_search_locations=[str(project / "tests")]
        )
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    modules = ("s3_server", "postgres_server", "rabbitmq_server", "celery_worker", "django_server", "http_client")
    modules += ("images",)
    return {module: importlib.import_module(f"{name}.support.{module}") for module in modules}


def procfile(project: Path) -> dict[str, str]:
    lines = (project / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


@pytest.fixture(scope="module")
def base_image() -> str:
    reason = container.missing_tools()
    if reason:
        pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)
    return container.base_image()


@pytest.fixture(scope="module")
def image(bake, base_image, tmp_path_factory):
    """The default project's image, built from a copy of it holding a developer's leftovers."""
    context = tmp_path_factory.mktemp("image") / "project"
    shutil.copytree(bake(), context, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".ruff_cache"))
    for relative, text in LEFTOVERS.items():
        (context / relative).parent.mkdir(parents=True, exist_ok=True)
        (context / relative).write_text(text)
    tag = f"localhost/template-tests-site:{uuid.uuid4().hex[:12]}"
    try:
        container.build(context, tag, base_image)
        yield tag
    finally:
        subprocess.run(["podman", "rmi", "--force", tag], capture_output=True)


def test_image_keeps_secrets_and_local_files_out(image, tmp_path, capsys):
    config = container.inspect(image)["Config"]
    assert config["User"] not in ("", "root", "0")
    assert config["Cmd"] == ["gunicorn", "my_site.wsgi"]  # what the platform runs, and Procfile's web
    assert not any(item.startswith("SECRET_KEY=") for item in config["Env"])

    names = set()
    for layer, name, content in container.image_files(image, tmp_path / "saved"):
        names.add(name.removeprefix("./"))
        assert SECRET.encode() not in content, f"the test secret is in {name} ({layer})"
    assert not [name for name in names if Path(name).name == ".env"]
    left_in = {f"app/{leftover.split('/')[0]}" for leftover in LEFTOVERS}
    assert not [name for name in names if name in left_in or name.startswith(tuple(f"{top}/" for top in left_in))]
    assert not [name for name in names if name.startswith("app/tests/")]  # the tests stay in the repository
    assert "app/manage.py" in names
    assert "app/staticfiles/staticfiles.json" in names  # collectstatic ran with DEBUG off

    size = container.inspect(image)["Size"]
    with capsys.disabled():
        print(f"\nThe generated project's image: {size / 1e6:.0f} MB (on a Debian bookworm minbase base)")


def test_image_serves_with_only_the_platform_variables(bake, image, tmp_path):
    helpers = baked_tests(bake())
    S3Server, DjangoServer = helpers["s3_server"].S3Server, helpers["django_server"].DjangoServer
    bindir = helpers["postgres_server"].find_bindir()
    if bindir is None:
        message = "no PostgreSQL server binaries: apt-get install postgresql"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    config = container.inspect(image)["Config"]
    with ExitStack() as cleanup:
        postgres = helpers["postgres_server"].PostgresServer(bindir).start()
        cleanup.callback(postgres.stop)
        s3_server = S3Server.start()
        cleanup.callback(s3_server.stop)
        if reason := helpers["rabbitmq_server"].unavailable():
            pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)
        rabbitmq = helpers["rabbitmq_server"].RabbitMQServer().start()  # the platform's Celery service
        cleanup.callback(rabbitmq.stop)
        root = cleanup.enter_context(container.mounted_container(image, f"template-tests-{uuid.uuid4().hex[:8]}"))
        app = root / config["WorkingDir"].lstrip("/")
        platform = {
            "SECRET_KEY": SECRET,
            "DATABASE_URL": postgres.url,
            "DEFAULT_STORAGE_DSN": s3_server.dsn(S3Server.MEDIA_BUCKET),
            "DOMAIN": "127.0.0.1",
            "STAGE": "live",
            "BROKER_URL": rabbitmq.url,
        }
        environ = container.image_environ(config) | platform

        def run(*command: str, **extra: str) -> str:
            chrooted = container.chroot_command(root, config, list(command))
            result = subprocess.run(chrooted, env=environ | extra, capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}"
            return result.stdout

        # The release command, as the Procfile gives it to the platform: migrate, then storage_check.
        released = run("/bin/sh", "-c", procfile(bake())["release"])
        assert "Applying auth" in released and "OK    STORAGES['default']" in released, released
        user = helpers["django_server"].ADMIN_USER
        run(
            *("python", "manage.py", "createsuperuser", "--noinput", f"--username={user['username']}"),
            *("--email=admin@example.com",),
            DJANGO_SUPERUSER_PASSWORD=user["password"],
        )

        site = DjangoServer(container.chroot_command(root, config, config["Cmd"]), environ, cwd=tmp_path)
        # PORT as the platform sets it; the chroot shares the host's network, so gunicorn's own
        # override keeps it on loopback (an image run by an engine has its own network).
        site.environ = environ | {"PORT": str(site.port), "GUNICORN_CMD_ARGS": f"--bind=127.0.0.1:{site.port}"}
        with site:
            login = requests.get(f"{site.url}/admin/login/", headers=HTTPS, timeout=10)
            assert login.status_code == 200 and 'name="password"' in login.text
            manifest = (app / "staticfiles" / "staticfiles.json").read_text()
            hashed = json.loads(manifest)["paths"]["admin/css/base.css"]
            assert f"/static/{hashed}" in login.text  # the manifest's names, as with DEBUG off
            css = requests.get(f"{site.url}/static/{hashed}", headers=HTTPS, timeout=10)
            assert css.status_code == 200
            assert css.content == (app / "staticfiles" / hashed).read_bytes()

            session = helpers["http_client"].AdminSession(site.url)
            upload = session.post(
                "/admin/filer/clipboard/operations/upload/no_folder/",
                files={"file": ("harbour.jpg", helpers["images"].JPEG, "image/jpeg")},
                headers={"X-CSRFToken": session.csrf_token},
            )
            assert upload.status_code == 200, upload.text[:500]
        assert site.output.count("Booting worker") == int(environ["WEB_CONCURRENCY"]), site.output[-2000:]
        assert f"Listening at: http://127.0.0.1:{site.port}" in site.output

        stored = [name for name in s3_server.object_names() if name.endswith("harbour.jpg")]
        assert len(stored) == 1, s3_server.object_names()
        assert not [name for name in s3_server.object_names() if "harbour.jpg__" in name]  # queued, not made

        # The Procfile's worker: the same image, another command. It makes the upload's thumbnails.
        worker = helpers["celery_worker"].CeleryWorker(environ)
        worker.command = container.chroot_command(root, config, ["/bin/sh", "-c", procfile(bake())["worker"]])
        with container.shared_memory(root), worker:
            helpers["celery_worker"].wait_until(
                lambda: rabbitmq.messages() == 0, "the worker in the image to make the upload's thumbnails"
            )
        assert len([name for name in s3_server.object_names() if "harbour.jpg__" in name]) >= 3, worker.output
        assert "succeeded in" in worker.output and SECRET not in worker.output
        assert requests.get(upload.json()["original_image"], timeout=10).content == helpers["images"].JPEG
        media = app / "media"
        assert not media.exists() or not any(media.iterdir()), list(media.rglob("*"))
        assert SECRET not in site.output
