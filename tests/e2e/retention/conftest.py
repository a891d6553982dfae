"""Shared settings for the test-restore and retention end-to-end tests."""

import pytest


@pytest.fixture(autouse=True)
def _pipelining(monkeypatch):
    # Modules run on localhost: pipelining saves a temporary file and two commands per task.
    monkeypatch.setenv("ANSIBLE_PIPELINING", "true")
