"""The pipe between the server and a script worker: length-prefixed pickles.

What the server reads back from a worker is unpickled with a loader that builds data types only,
so even a worker whose sandbox had been broken could not make the server run code by what it sends.
"""

from __future__ import annotations

import io
import os
import pickle
import select
import struct
import time
from typing import Any

_HEADER = struct.Struct("<Q")
MAX_MESSAGE = 256 * 1024**2
_CHUNK = 1 << 20

# (module, name) of every class a message may contain besides the types pickle builds by itself
_DATA_CLASSES = frozenset({
    ("datetime", "date"), ("datetime", "datetime"), ("datetime", "timedelta"), ("datetime", "timezone"),
    ("decimal", "Decimal"), ("uuid", "UUID"), ("uuid", "SafeUUID"), ("zoneinfo", "ZoneInfo._unpickle"),
})


class WorkerGone(Exception):
    """The other end closed the pipe, or sent something that is not a message."""


class _DataUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _DATA_CLASSES:
            raise WorkerGone(f"message holds {module}.{name}, which is not data")
        return super().find_class(module, name)


def send(fd: int, message: Any) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view):]


def receive(fd: int, deadline: float | None = None, *, data_only: bool = False) -> Any:
    """The next message; ``deadline`` (``time.monotonic()``) raises ``TimeoutError`` when passed."""
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    if size > MAX_MESSAGE:
        raise WorkerGone(f"message of {size} bytes")
    payload = _read_exact(fd, size, deadline)
    if not data_only:
        return pickle.loads(payload)
    try:
        return _DataUnpickler(io.BytesIO(payload)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise WorkerGone(f"unreadable message: {exc}") from exc


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    buffer = bytearray()
    while len(buffer) < size:
        if deadline is not None:
            _wait_readable(fd, deadline)
        chunk = os.read(fd, min(size - len(buffer), _CHUNK))
        if not chunk:
            raise WorkerGone("pipe closed")
        buffer += chunk
    return bytes(buffer)


def _wait_readable(fd: int, deadline: float) -> None:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    remaining_ms = max(0, int((deadline - time.monotonic()) * 1000))
    if not poller.poll(remaining_ms):
        raise TimeoutError
