"""Named random streams: reproducible, independent of call order and of other streams."""

from __future__ import annotations

import numpy as np

from sim.core.streams import Streams, replication_seed, replication_seeds, stream_state


def test_same_seed_same_draws():
    a, b = Streams(7), Streams(7)
    assert a["convoy/road_days"].random(5).tolist() == b["convoy/road_days"].random(5).tolist()


def test_different_seeds_or_names_differ():
    assert Streams(7)["x"].random() != Streams(8)["x"].random()
    assert Streams(7)["x"].random() != Streams(7)["y"].random()


def test_adding_a_new_stream_does_not_change_the_others():
    plain = Streams(11)
    before = plain["inspection/travel_days"].random(4).tolist()
    busy = Streams(11)
    busy["dispersal/move_tonnes"].random(100)  # a behaviour switched on, drawing first
    busy["a/brand/new/stream"].random(3)
    assert busy["inspection/travel_days"].random(4).tolist() == before


def test_draws_do_not_depend_on_the_order_streams_are_first_used():
    one, two = Streams(3), Streams(3)
    a1 = one["a"].random()
    b1 = one["b"].random()
    b2 = two["b"].random()
    a2 = two["a"].random()
    assert (a1, b1) == (a2, b2)


def test_stream_states_and_draws_are_pinned():
    # Values pinned when the stream scheme was set (December 2026: PCG64 states straight from BLAKE2b): blake2b
    # is the same on every machine and process (Python's hash() is salted per process). If this fails, every
    # seeded result published with the tool has changed.
    assert stream_state(0, "a") == (272310890858397504057479488173408823390,
                                    151487671716544362564807187315083474583)
    assert stream_state(42, "convoy/road_days")[0] == 292573055754533210081686816084073637785
    assert Streams(42)["x"].integers(0, 10**9) == 907162582
    assert stream_state(1, "a") != stream_state(0, "a")
    assert all(stream_state(seed, name)[1] % 2 == 1 for seed in range(20) for name in "abc")  # odd increments


def test_a_reused_generator_draws_as_a_new_one():
    first = Streams(5)
    expected = first["convoy/road_days"].random(6).tolist()
    first["other"].standard_normal(3)
    first.release()  # both generators go back to the pool, half-used, and come out again below
    again = Streams(5)
    again["unrelated"].random(2)
    assert again["convoy/road_days"].random(6).tolist() == expected


def test_replication_seeds_depend_only_on_run_seed_and_number():
    seeds = replication_seeds(0, 10)
    assert len(set(seeds)) == 10
    assert replication_seeds(0, 4, first=6) == seeds[6:10]
    assert replication_seed(0, 3) == seeds[3]
    assert replication_seeds(1, 3) != seeds[:3]
    assert all(0 <= s < 2**64 for s in seeds)


def test_stream_generators_are_numpy_generators():
    assert isinstance(Streams(1)["x"], np.random.Generator)
    assert Streams(1).names() == []
