"""The names the staging utility accepts, as pure functions: every refusal's whole message."""

from {{ cookiecutter.project_slug }}.staging.names import clean_prefix


def test_no_prefix_is_the_storage_root():
    assert clean_prefix("") == ""
