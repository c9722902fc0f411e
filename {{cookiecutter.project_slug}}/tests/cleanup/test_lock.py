"""One collector at a time across instances that share a PostgreSQL database (a real server): a second run says so
in one line, and a run that dies lets go of the lock with its connection."""

from ..support.project import manage
from .test_media_cleanup import prefixed_environ, start_cleanup

LOST = 100
REFUSAL = "CommandError: Another media_cleanup is running (on this or another instance): nothing done."


def test_one_run_at_a_time_on_postgresql(s3_server, postgres, tmp_path):
    environ = prefixed_environ(s3_server, tmp_path, DATABASE_URL=postgres.new_database("cleanup_lock"))
    manage("migrate", "--noinput", check=True, **environ)
    for number in range(LOST):
        s3_server.client().put_object(Bucket=s3_server.MEDIA_BUCKET, Key=f"site/lost/{number:03d}.bin", Body=b"x")
    s3_server.add_latency(0.3)  # a page a request: the first run lasts over 30 s, unless killed

    first = start_cleanup(environ, "--grace", "0", "--page-size", "1")  # the last --grace and --page-size count
    try:
        assert first.stdout.readline().startswith("orphan ")  # it holds the lock, and lists
        second = manage("media_cleanup", **environ)  # another instance, the same database
        assert (second.returncode, second.stderr.strip().splitlines()) == (1, [REFUSAL])
    finally:
        first.kill()  # dies without letting go: PostgreSQL ends its session, and the lock with it
        first.communicate(timeout=60)
    s3_server.recover()

    again = manage("media_cleanup", "--grace", "0", **environ)
    assert again.returncode == 0, again.stderr
    assert f"{LOST} unused objects ({LOST} bytes), 0 incomplete uploads" in again.stdout.splitlines()
