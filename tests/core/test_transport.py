"""Frames from the lab's process to the window's: a read-only array is sent once, later frames
holding the same object name it, and the window's kept arrays fill it in."""

import os

import numpy as np
import pytest

from visualizer.core import transport
from visualizer.core.frame import Frame


def frozen(a):
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@pytest.fixture
def sender():
    sender = transport.FrameSender(os.getpid())
    yield sender
    transport.unlink_segments(os.getpid(), os.getpid())


def test_a_read_only_array_is_sent_once_and_the_window_fills_it_in(sender):
    features = frozen(np.eye(600, dtype=np.float32))        # 1.4 MiB: through shared memory
    edges = frozen(np.array([[0, 1], [1, 0]]))
    kept = {}
    first = sender.encode(Frame("g", 1, {"x": features, "edge_index": edges, "h": np.ones(3)}))
    assert first[4] is not None and first[7] == []               # a segment; nothing named from before
    one = transport.decode(first, kept)
    assert np.array_equal(one["x"], features) and np.array_equal(one["edge_index"], edges)

    second = sender.encode(Frame("g", 2, {"x": features, "edge_index": edges, "h": np.full(3, 2.0)}))
    kind, step, info, small, segment, refs, order, same, keep = second
    assert same == ["x", "edge_index"] and segment is None and list(small) == ["h"]
    two = transport.decode(second, kept)
    assert two["x"] is one["x"] and two["edge_index"] is one["edge_index"]   # the window's own copy
    assert list(two.arrays) == ["x", "edge_index", "h"] and two["h"][0] == 2.0
    assert not two["x"].flags.writeable                         # read-only there too: shared by frames
    with pytest.raises(ValueError):
        two["x"][0, 0] = 5.0

    moved = frozen(np.array([[0, 2], [2, 0]]))                  # a new object: sent again
    third = transport.decode(sender.encode(Frame("g", 3, {"x": features, "edge_index": moved, "h": np.ones(3)})), kept)
    assert np.array_equal(third["edge_index"], moved) and third["x"] is one["x"]


def test_a_writeable_array_is_sent_every_frame(sender):
    h = np.ones(4)
    sender.encode(Frame("g", 1, {"h": h}))
    payload = sender.encode(Frame("g", 2, {"h": h}))
    assert payload[7] == [] and "h" in payload[3]


def test_a_window_that_lost_the_kept_arrays_is_told_and_a_resync_sends_them_again(sender):
    features = frozen(np.arange(6.0))
    sender.encode(Frame("g", 1, {"x": features}))
    payload = sender.encode(Frame("g", 2, {"x": features}))
    with pytest.raises(ValueError, match="does not hold.*'x'"):
        transport.decode(payload, {})
    sender.resync()                                              # what the window asks for then
    again = transport.decode(sender.encode(Frame("g", 3, {"x": features})), {})
    assert np.array_equal(again["x"], features)
