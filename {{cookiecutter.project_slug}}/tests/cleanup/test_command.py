"""manage.py media_cleanup's refusals: one line each, naming what is wrong and how to fix it; nothing deleted."""

import builtins

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("arguments", "refusal"),
    [
        (["--grace", "2 days"], "--grace: '2 days' is not a duration: write a whole number of days, hours, "),
        (["--grace=-1h"], "--grace: '-1h' is not a duration"),
        (["--page-size", "0"], "--page-size takes a whole number from 1 to 1000 (S3's largest page)."),
        (["--page-size", "5000"], "--page-size takes a whole number from 1 to 1000"),
    ],
)
def test_bad_options_are_refused_in_one_line(s3_server, arguments, refusal):
    with pytest.raises(CommandError) as refused:
        call_command("media_cleanup", *arguments)
    assert str(refused.value).startswith(refusal) and "\n" not in str(refused.value)


@pytest.mark.parametrize("answer", ["no", "", EOFError, KeyboardInterrupt])
def test_a_delete_not_confirmed_deletes_nothing(s3_server, monkeypatch, answer):
    orphan = "lost/old.bin"
    s3_server.client().put_object(Bucket=s3_server.MEDIA_BUCKET, Key=orphan, Body=b"x")

    def ask(question):
        assert question.startswith("Delete every object no row names that is older than 0, in every storage")
        if isinstance(answer, type):
            raise answer
        return answer

    monkeypatch.setattr(builtins, "input", ask)
    with pytest.raises(CommandError, match=r"^Cancelled: nothing was deleted \(--no-input deletes without asking\)"):
        call_command("media_cleanup", "--delete", "--grace", "0")
    assert orphan in s3_server.object_names()

    monkeypatch.setattr(builtins, "input", lambda question: "yes")
    call_command("media_cleanup", "--delete", "--grace", "0")
    assert orphan not in s3_server.object_names()
