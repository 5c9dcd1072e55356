"""server/domain/rate_limits.py: a sliding window counted per minute, and the keys
client IPs are counted under. Pure."""

from __future__ import annotations

from server.domain.rate_limits import (
    MINUTES_15,
    SIGN_IN_ACCOUNT_AND_IP,
    Limit,
    bucket_of,
    ip_key,
)

LIMIT = Limit("try", 3, 120)  # 3 tries in any 2 minutes: 3 buckets (2 + the current one)


def test_a_limit_sums_its_window_and_the_current_minute() -> None:
    assert LIMIT.buckets == 3
    assert Limit("x", 1, MINUTES_15).buckets == 16
    assert Limit("x", 1, 119).buckets == 2  # a partial minute is not a bucket
    assert SIGN_IN_ACCOUNT_AND_IP.buckets == 16
    assert LIMIT.item_key("k") == "try:k"


def test_the_bucket_is_the_epoch_minute() -> None:
    assert bucket_of(0) == 0
    assert bucket_of(59.999) == 0
    assert bucket_of(60) == 1
    assert bucket_of(119.9) == 1
    assert bucket_of(1_800_000_000) == 30_000_000
    assert isinstance(bucket_of(90.5), int)
    assert bucket_of(-0.5) == -1  # the floor, not the quotient cut towards zero
    assert bucket_of(-60) == -1


def test_only_the_windows_buckets_and_later_ones_count() -> None:
    counts = {8: 5, 9: 4, 10: 1, 11: 2, 12: 1, 13: 7}
    assert LIMIT.counted(counts, 12) == 1 + 2 + 1 + 7  # 10, 11, 12 and a clock ahead: 13
    assert LIMIT.counted(counts, 11) == 4 + 1 + 2 + 1 + 7
    assert LIMIT.counted(counts, 20) == 0
    assert LIMIT.counted({}, 12) == 0


def test_a_key_under_its_limit_may_try_now() -> None:
    assert LIMIT.free_at({}, 12) is None
    assert LIMIT.free_at({10: 1, 12: 1}, 12) is None
    assert LIMIT.free_at({9: 3, 10: 2}, 12) is None  # bucket 9 is out of the window


def test_a_key_at_its_limit_is_free_when_enough_buckets_leave_the_window() -> None:
    # 3 in buckets 10-12: bucket 10 leaves at minute 13 (= 780 s), then 2 remain
    assert LIMIT.free_at({10: 1, 11: 1, 12: 1}, 12) == 13 * 60
    assert LIMIT.free_at({12: 3}, 12) == 15 * 60
    assert LIMIT.free_at({10: 0, 11: 3}, 12) == 14 * 60  # an empty bucket frees nothing
    assert LIMIT.free_at({10: 2, 11: 2, 12: 2}, 12) == 14 * 60  # two buckets must go
    assert LIMIT.free_at({8: 9, 11: 5}, 12) == 14 * 60  # an old bucket plays no part
    assert Limit("once", 1, 60).free_at({5: 1}, 5) == 7 * 60
    assert Limit("once", 1, 60).free_at({}, 5) is None


def test_no_window_ever_holds_more_than_the_limit_however_tries_are_timed() -> None:
    for limit in (LIMIT, Limit("x", 5, MINUTES_15), Limit("y", 1, 60)):
        counts: dict[int, int] = {}
        admitted: list[float] = []
        for i in range(2000):
            now = 1_000_000 + i * 7.3  # a try every 7.3 s, for about 4 hours
            bucket = bucket_of(now)
            if limit.free_at(counts, bucket) is None:
                counts[bucket] = counts.get(bucket, 0) + 1
                admitted.append(now)
        assert admitted and admitted[: limit.most] == [
            1_000_000 + i * 7.3 for i in range(limit.most)
        ]
        for start in admitted:
            in_window = [t for t in admitted if start <= t < start + limit.window_seconds]
            assert len(in_window) <= limit.most
        # and the limit is reached, not merely respected: some window holds `most`
        assert any(
            len([t for t in admitted if s <= t < s + limit.window_seconds]) == limit.most
            for s in admitted
        )


def test_a_key_refused_is_admitted_again_at_its_free_at() -> None:
    counts = {100: 2, 101: 1}
    free = LIMIT.free_at(counts, 101)
    assert free == 103 * 60
    assert LIMIT.free_at(counts, bucket_of(free - 1)) is not None
    assert LIMIT.free_at(counts, bucket_of(free)) is None


def test_ipv4_is_counted_as_it_is() -> None:
    assert ip_key("192.0.2.1") == "192.0.2.1"
    assert ip_key("10.0.0.255") == "10.0.0.255"


def test_ipv6_is_counted_per_64_network() -> None:
    assert ip_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert ip_key("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert ip_key("2001:db8:1:3::1") == "2001:db8:1:3::/64"
    assert ip_key("2001:0DB8:0001:0002::0001") == "2001:db8:1:2::/64"
    assert ip_key("::1") == "::/64"


def test_ipv4_mapped_ipv6_is_its_ipv4_address() -> None:
    assert ip_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert ip_key("::ffff:c000:201") == "192.0.2.1"


def test_text_that_is_not_an_ip_is_its_own_key() -> None:
    assert ip_key("testclient") == "testclient"
    assert ip_key("") == ""
    assert ip_key("192.0.2.300") == "192.0.2.300"
    assert ip_key("2001:db8::/64") == "2001:db8::/64"


def test_a_limit_of_none_admits_nothing_and_says_the_next_minute() -> None:
    assert Limit("never", 0, 60).free_at({}, 5) == 6 * 60
    assert Limit("never", 0, 60).free_at({5: 1}, 5) == 6 * 60
