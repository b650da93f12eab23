"""What use cases need from the outside world, as structural interfaces."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, Protocol

from sunbid.kernel.events import DomainEvent


class BlobRefLike(Protocol):
    sha256: str
    size: int


class BlobStore(Protocol):
    def exists(self, sha256: str) -> bool: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def iter_chunks(self, sha256: str) -> Iterator[bytes]: ...


class EventSink(Protocol):
    def emit(self, event: DomainEvent) -> None: ...


class Transaction(EventSink, Protocol):
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
