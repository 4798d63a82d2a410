"""How Frames cross from the lab's process to the window's: small arrays are pickled with the
message, large ones travel through one POSIX shared-memory segment per frame. Qt-free, torch-free.

A read-only array is taken to be unchanging (labs freeze what stays put: a graph's features, its
edges, its layout): once sent, a later frame holding the same object names it instead of sending
it again, and the window's `kept` dict supplies it. A 3000-node graph's one-hot features are
34 MiB: 27 ms to send and 13 ms to receive, every frame, before this. The window asks for a
`resync` (everything sent again) if a frame could not be received.

Segments are named vis_<window pid>_<child pid>_<n>. The window copies the arrays out and
unlinks the segment as soon as it arrives; if the child dies first, the window unlinks what that
child left (`unlink_segments`), and if the window dies, the child does on its way out. Python's
resource tracker, shared by both, is the last net: it unlinks whatever is still registered once
both are gone.
"""

from __future__ import annotations

import glob
import os
from multiprocessing import resource_tracker, shared_memory
from typing import Any

SHM_THRESHOLD = 1 << 20   # arrays of at least 1 MiB go through shared memory
ALIGN = 64
SHM_DIR = "/dev/shm"


def segment_prefix(window_pid: int, child_pid: int) -> str:
    return f"vis_{window_pid}_{child_pid}_"


class FrameSender:
    """The child's side: turns a Frame into a picklable payload."""

    def __init__(self, window_pid: int, threshold: int = SHM_THRESHOLD):
        self.prefix = segment_prefix(window_pid, os.getpid())
        self.threshold = threshold
        self.count = 0
        self.kept: dict = {}   # name -> the read-only array the window holds (see the module's note)

    def resync(self) -> None:
        self.kept.clear()

    def encode(self, frame) -> tuple:
        small, big, same, keep = {}, [], [], []
        for name, array in frame.arrays.items():
            if self.kept.get(name) is array:
                same.append(name)
                continue
            if not array.flags.writeable:
                keep.append(name)
            if array.nbytes >= self.threshold and array.dtype.kind in "biufc":
                big.append((name, array))
            else:
                small[name] = array
        refs = []
        segment = None
        if big:
            offsets, total = [], 0
            for _, array in big:
                offsets.append(total)
                total += -(-array.nbytes // ALIGN) * ALIGN
            self.count += 1
            segment = f"{self.prefix}{self.count}"
            shm = shared_memory.SharedMemory(name=segment, create=True, size=total)
            try:
                import numpy as np

                for (name, array), offset in zip(big, offsets):
                    target = np.ndarray(array.shape, array.dtype, buffer=shm.buf, offset=offset)
                    target[...] = array
                    refs.append((name, offset, array.shape, array.dtype.str))
                    del target
            finally:
                shm.close()  # the segment stays until the window unlinks it
        order = list(frame.arrays)
        self.kept.update((name, frame.arrays[name]) for name in keep)   # only once the payload is made
        return (frame.kind, frame.step, dict(frame.info), small, segment, refs, order, same, keep)


def decode(payload: tuple, kept: dict | None = None):
    """The window's side: the Frame again, its large arrays copied out of shared memory, which
    is then unlinked. `kept`: this sender's read-only arrays from earlier frames (updated here);
    every payload of one sender must pass through it, in order."""
    import numpy as np

    from visualizer.core.frame import Frame

    kind, step, info, small, segment, refs, order, same, keep = payload
    missing = [name for name in same if kept is None or name not in kept]
    if missing:
        raise ValueError(f"the frame refers to arrays sent earlier that this window does not hold: {missing[:4]}")
    arrays = dict(small)
    if same:
        arrays.update((name, kept[name]) for name in same)
    if segment is not None:
        shm = shared_memory.SharedMemory(name=segment)
        try:
            for name, offset, shape, dtype in refs:
                view = np.ndarray(shape, np.dtype(dtype), buffer=shm.buf, offset=offset)
                arrays[name] = view.copy()
                del view
        finally:
            shm.close()
            try:
                shm.unlink()   # also unregisters it from the resource tracker
            except FileNotFoundError:
                pass
    if kept is not None:
        for name in keep:
            arrays[name].setflags(write=False)   # as it was in the lab: shared by the frames to come
            kept[name] = arrays[name]
    return Frame(kind, step, {name: arrays[name] for name in order}, info)


def _unlink(segment: str) -> None:
    try:
        shm = shared_memory.SharedMemory(name=segment)
    except FileNotFoundError:
        return
    shm.close()
    try:
        shm.unlink()   # also unregisters it from the resource tracker
    except FileNotFoundError:
        pass


def leftover_segments(window_pid: int, child_pid: int | None = None) -> list[str]:
    """Segment names of this window (and child) still in shared memory (Linux: /dev/shm)."""
    pattern = f"vis_{window_pid}_{child_pid if child_pid is not None else '*'}_*"
    return sorted(os.path.basename(p) for p in glob.glob(os.path.join(SHM_DIR, pattern)))


def unlink_segments(window_pid: int, child_pid: int) -> int:
    """Unlink every segment a child of this window left behind; how many there were."""
    names = leftover_segments(window_pid, child_pid)
    for name in names:
        try:
            _unlink(name)
        except OSError:
            try:
                resource_tracker.unregister("/" + name, "shared_memory")
            except Exception:  # noqa: BLE001 - best effort on the way out
                pass
    return len(names)


def plain(value: Any) -> Any:
    """A reply the window can unpickle without torch: tensors become numpy arrays."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        return value.detach().cpu().numpy()
    if type(value).__module__.split(".")[0] == "torch":  # a device, a dtype, a module: its name
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [plain(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    return value
