"""Build and run container images with podman on a machine without a registry or a container runtime.

The recipes (and why each is needed) are in the lead's notes on these machines:
- the base image is made from Debian's packages with debootstrap, from the machine's own apt mirror,
  and kept in podman's store under a name derived from its recipe, so it is built once;
- `podman build --isolation chroot`, with the machine's CA bundle mounted for the build's RUN steps;
- `podman run` cannot set rlimits here, so a container is created and mounted, and its command runs
  with `chroot` in that root, as the image's user, in its working directory, with its environment.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from pathlib import Path

APT_SOURCES = Path("/etc/apt/sources.list.d")
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
BASE_PACKAGES = ("python3", "python3-venv", "ca-certificates")
BASE_NAME = "localhost/template-tests-base"


class ContainerError(RuntimeError):
    pass


def podman(*args: str, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout, **kwargs)
    if result.returncode != 0:
        raise ContainerError(f"podman {' '.join(args[:2])} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result


def missing_tools() -> str | None:
    """Why images cannot be built here, or None when they can."""
    absent = [tool for tool in ("podman", "debootstrap", "chroot") if not shutil.which(tool)]
    if absent:
        return f"{', '.join(absent)} not installed: apt-get install podman debootstrap"
    if os.geteuid() != 0:
        return "building a base image with debootstrap and running it with chroot needs root"
    return None


def debian_mirror() -> tuple[str, str]:
    """The Debian mirror and release this machine installs from (its apt sources, deb822 format)."""
    for path in sorted(APT_SOURCES.glob("*.sources")):
        for stanza in re.split(r"\n\s*\n", path.read_text()):
            fields = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", stanza, re.MULTILINE))
            suites = fields.get("Suites", "").split()
            releases = [suite for suite in suites if "-" not in suite]  # not -updates, -security, ...
            if "deb" in fields.get("Types", "").split() and releases and fields.get("URIs"):
                return fields["URIs"].split()[0], releases[0]
    raise ContainerError(f"no Debian release found in {APT_SOURCES}/*.sources")


def base_image() -> str:
    """A minimal Debian image with Python, made once and then reused from podman's store."""
    mirror, release = debian_mirror()
    recipe = json.dumps([release, BASE_PACKAGES, "minbase"])
    name = f"{BASE_NAME}:{release}-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"
    if subprocess.run(["podman", "image", "exists", name]).returncode == 0:
        return name
    root = Path(tempfile.mkdtemp(prefix="debootstrap-"))
    try:
        include = ",".join(BASE_PACKAGES)
        command = ["debootstrap", "--variant=minbase", f"--include={include}", release, str(root), mirror]
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            raise ContainerError(f"debootstrap failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
        shutil.rmtree(root / "var" / "cache" / "apt" / "archives", ignore_errors=True)
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        podman("import", "-", name, stdin=tar.stdout)
        tar.wait()
    finally:
        unmount_under(root)  # debootstrap mounts /proc and /sys in the target; a failed run leaves them
        shutil.rmtree(root, ignore_errors=True)
    return name


def unmount_under(root: Path) -> None:
    mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    for mount in sorted((mount for mount in mounts if mount.startswith(f"{root}/")), reverse=True):
        subprocess.run(["umount", "--lazy", mount], capture_output=True)


def build(context: Path, tag: str, base: str) -> None:
    podman(
        "build",
        "--isolation",
        "chroot",
        "--build-arg",
        f"BASE_IMAGE={base}",
        "--volume",
        f"{CA_BUNDLE}:{CA_BUNDLE}:ro",  # pip inside the build trusts what the machine trusts
        "--tag",
        tag,
        str(context),
        timeout=900,
    )


def inspect(image: str) -> dict:
    return json.loads(podman("image", "inspect", image).stdout)[0]


def image_files(image: str, folder: Path):
    """(layer, member name, bytes) for every regular file in every layer, and ("config", ...) for the config.

    Layers, not the merged tree: a file deleted by a later layer is still shipped in the earlier one.
    """
    podman("save", "--format", "oci-dir", "--output", str(folder), image)
    for blob in sorted((folder / "blobs").rglob("*")):
        if not blob.is_file():
            continue
        if not tarfile.is_tarfile(blob):  # the manifest and the image config (environment, history)
            yield "config", blob.name, blob.read_bytes()
            continue
        with tarfile.open(blob) as layer:
            for member in layer:
                if member.isfile():
                    yield blob.name, member.name, layer.extractfile(member).read()


@contextmanager
def mounted_container(image: str, name: str):
    """A container made from the image, its root mounted writable; removed on exit, whatever happens."""
    podman("create", "--name", name, image)
    try:
        yield Path(podman("mount", name).stdout.strip())
    finally:
        subprocess.run(["podman", "umount", name], capture_output=True)
        subprocess.run(["podman", "rm", "--force", name], capture_output=True)


@contextmanager
def shared_memory(root: Path):
    """The /dev/shm a container engine gives every container (a tmpfs anyone may write), in the mounted root:
    Celery's prefork pool makes its semaphores there."""
    shm = root / "dev" / "shm"
    shm.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=1777,size=64m", "tmpfs", str(shm)], check=True)
    try:
        yield
    finally:
        subprocess.run(["umount", "--lazy", str(shm)], capture_output=True)


def chroot_command(root: Path, config: dict, command: list[str]) -> list[str]:
    """Run a command in the mounted root as the image's user, in its working directory."""
    user = config.get("User") or "root"
    uid, gid = user_ids(root, user)
    workdir = config.get("WorkingDir") or "/"
    return ["chroot", f"--userspec={uid}:{gid}", str(root), "/bin/sh", "-c", 'cd "$0" && exec "$@"', workdir, *command]


def user_ids(root: Path, user: str) -> tuple[int, int]:
    """A USER instruction's numbers, looked up in the image's own /etc/passwd."""
    name, _, group = user.partition(":")
    for line in (root / "etc" / "passwd").read_text().splitlines():
        fields = line.split(":")
        if name in (fields[0], fields[2]):
            return int(fields[2]), int(group or fields[3])
    raise ContainerError(f"the image's user {user!r} is not in its /etc/passwd")


def image_environ(config: dict) -> dict:
    return dict(item.split("=", 1) for item in config.get("Env") or [])
