"""The app's Argon2 parameters. The tests' session hashes with the cheapest ones
(tests/conftest.py, `cheap_argon2`); this pins what the app itself uses, so making the
tests cheap never makes the app's hashes cheap."""

from __future__ import annotations

from collections.abc import Iterator

import argon2
import pytest
from argon2.profiles import RFC_9106_LOW_MEMORY

from server.domain import users
from tests.conftest import CHEAP_HASHER, PRODUCTION_HASHER


@pytest.fixture
def production_argon2() -> Iterator[None]:
    users.hasher = PRODUCTION_HASHER
    users.dummy_hash.cache_clear()
    yield
    users.hasher = CHEAP_HASHER
    users.dummy_hash.cache_clear()


@pytest.mark.usefixtures("production_argon2")
def test_the_app_hashes_and_checks_with_rfc_9106s_parameters() -> None:
    made = users.hash_password("correct horse battery staple")
    assert argon2.extract_parameters(made) == RFC_9106_LOW_MEMORY  # Argon2id, 64 MiB, t=3, p=4
    assert users.check_password({"password_hash": made}, "correct horse battery staple")
    assert argon2.extract_parameters(users.dummy_hash()) == RFC_9106_LOW_MEMORY


def test_the_tests_hash_with_cheap_parameters_of_the_same_argon2id() -> None:
    made = users.hash_password("correct horse battery staple")
    found = argon2.extract_parameters(made)
    assert found.type is argon2.Type.ID
    assert (found.time_cost, found.memory_cost, found.parallelism) == (1, 8, 1)
