"""What keeps a hostile client from hurting the server: a byte budget and tolerant request parsing.

* `ByteBudget` counts the pixel bytes every stream holds (chunks received, whole frames waiting
  or in the engine). A stream reserves bytes *before* it stores a chunk; a reservation past the
  budget is refused with RESOURCE_EXHAUSTED, so many streams that each declare huge frames cannot
  together exhaust the server's memory.
* `add_servicer` registers the RedactorService like the generated code does, but with request
  parsers that never raise: a message that is not valid protobuf becomes `MALFORMED`, which the
  servicer answers INVALID_ARGUMENT (gRPC itself would answer INTERNAL and log a stack trace).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from pixelsvc.v1 import redactor_pb2 as pb

__all__ = ["MALFORMED", "BudgetExceededError", "ByteBudget", "add_servicer"]

SERVICE_NAME = "pixelsvc.v1.RedactorService"


class _Malformed:
    """Stands for a request message that could not be parsed."""

    def __repr__(self) -> str:
        return "MALFORMED"


MALFORMED = _Malformed()


class BudgetExceededError(Exception):
    """Taking these bytes would pass the server's max_bytes_in_flight (answered RESOURCE_EXHAUSTED)."""


class ByteBudget:
    """Bytes held across all streams, bounded by `limit`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._lock = threading.Lock()

    def reserve(self, size: int) -> None:
        """Take `size` bytes, or raise BudgetExceededError (nothing taken)."""
        with self._lock:
            if self.used + size > self.limit:
                raise BudgetExceededError(
                    f"server busy: {self.used} pixel bytes are in flight across all streams and {size} more would "
                    f"pass max_bytes_in_flight ({self.limit}); retry later or on another replica")
            self.used += size

    def release(self, size: int) -> None:
        with self._lock:
            self.used = max(0, self.used - size)


def _tolerant(parse: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def deserialize(data: bytes) -> Any:
        try:
            return parse(data)
        except (DecodeError, ValueError, TypeError, RuntimeError):
            return MALFORMED
    return deserialize


def add_servicer(servicer: Any, server: grpc.aio.Server) -> None:
    """Register the RedactorService RPCs with parsers that turn unparsable messages into `MALFORMED`."""
    handlers = {
        "RedactSeries": grpc.stream_stream_rpc_method_handler(
            servicer.RedactSeries,
            request_deserializer=_tolerant(pb.RedactSeriesRequest.FromString),
            response_serializer=pb.RedactSeriesResponse.SerializeToString),
        "RedactFrame": grpc.unary_unary_rpc_method_handler(
            servicer.RedactFrame,
            request_deserializer=_tolerant(pb.RedactFrameRequest.FromString),
            response_serializer=pb.RedactFrameResponse.SerializeToString),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE_NAME, handlers),))
    server.add_registered_method_handlers(SERVICE_NAME, handlers)
