"""server/domain/rate_limits.py: two overlapping fixed windows per key. Pure."""

from __future__ import annotations

from server.domain.rate_limits import Limit

LIMIT = Limit("try", 3, 100)


def test_the_two_counters_are_offset_by_half_a_window() -> None:
    assert LIMIT.counters("k", 120) == [("try:k:a1", 200), ("try:k:b1", 150)]
    assert LIMIT.counters("k", 149.5) == [("try:k:a1", 200), ("try:k:b1", 150)]
    assert LIMIT.counters("k", 150) == [("try:k:a1", 200), ("try:k:b2", 250)]
    assert LIMIT.counters("k", 99.9) == [("try:k:a0", 100), ("try:k:b1", 150)]
    assert Limit("odd", 1, 7).counters("k", 10) == [("odd:k:a1", 14), ("odd:k:b1", 11)]


def test_a_key_is_blocked_until_the_later_full_window_ends() -> None:
    assert LIMIT.blocked_until({}, "k", 120) is None
    assert LIMIT.blocked_until({"try:k:a1": 2, "try:k:b1": 2}, "k", 120) is None
    assert LIMIT.blocked_until({"try:k:a1": 3}, "k", 120) == 200
    assert LIMIT.blocked_until({"try:k:b1": 4}, "k", 120) == 150
    assert LIMIT.blocked_until({"try:k:a1": 3, "try:k:b1": 3}, "k", 120) == 200
    assert LIMIT.blocked_until({"try:other:a1": 9}, "k", 120) is None


def test_a_limit_of_one_lets_the_first_try_through() -> None:
    assert Limit("once", 1, 100).blocked_until({}, "k", 0) is None
    assert Limit("once", 1, 100).blocked_until({"once:k:a0": 1}, "k", 0) == 100
