"""What use cases need from the outside world, as structural interfaces."""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import BinaryIO, Protocol, Self

from sunbid.kernel.events import DomainEvent


class BlobRefLike(Protocol):
    @property
    def sha256(self) -> str: ...
    @property
    def size(self) -> int: ...


class BlobStore(Protocol):
    def exists(self, sha256: str) -> bool: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def iter_chunks(self, sha256: str) -> Iterator[bytes]: ...


class EventSink(Protocol):
    def emit(self, event: DomainEvent) -> None: ...


class Transaction(EventSink, Protocol):
    """``with uow: ...; uow.commit()``: leaving without commit discards the changes."""

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
