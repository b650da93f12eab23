"""A content-addressed blob store in a directory: files are named by their SHA-256.

Writes stream through a temporary file in chunks, so no file is ever whole in memory;
the file is renamed into place only after its hash is known, so readers never see a
partial blob. Storing the same content twice keeps one copy.

Each whole extent of :data:`EXTENT` bytes reaches the file last in one write at its own
offset (ADR 19). Linux's page cache then holds it as one large folio where the filesystem
allows it (XFS, and ext4 on recent kernels), and a process that maps the blob (the opening
maps each stored bid) maps 2 MiB with one page-table entry instead of 512, and unmaps it as
cheaply. Chunks written as they came (about 256 KiB each from the API) left folios of at
most that size: mapping and unmapping a 5 MB bid then cost about a fifth of its decryption
(bench/README.md).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from sunbid.kernel.buffers import BufferPool
from sunbid.kernel.errors import DomainError, NotFound

CHUNK = 1 << 20
#: The size and alignment of the extents a blob's file is laid out in (ADR 19): the huge page
#: size of x86-64, and of arm64 with 4 KiB pages.
EXTENT = 2 << 20
_SHA256 = re.compile("[0-9a-f]{64}")


@dataclass(frozen=True)
class BlobRef:
    sha256: str
    size: int


class BlobTooLarge(DomainError):
    kind = "too_large"


class DirectoryBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._root = str(self.root)
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        return Path(self._name(sha256))

    def _name(self, sha256: str) -> str:
        if _SHA256.fullmatch(sha256) is None:
            raise NotFound("blob_not_found", "文件不存在", "No such file", sha256=sha256)
        return f"{self._root}/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def writer(self, max_size: int | None = None) -> BlobWriter:
        """A blob written piece by piece: ``write``, then ``commit`` (or ``abort``)."""
        return BlobWriter(self, max_size)

    def put_chunks(self, chunks: Iterable[bytes], max_size: int | None = None) -> BlobRef:
        writer = self.writer(max_size)
        try:
            for chunk in chunks:
                writer.write(chunk)
            return writer.commit()
        except BaseException:
            writer.abort()
            raise

    async def put_stream(self, chunks: AsyncIterator[bytes], max_size: int | None = None) -> BlobRef:
        writer = self.writer(max_size)
        try:
            async for chunk in chunks:
                writer.write(chunk)
            return writer.commit()
        except BaseException:
            writer.abort()
            raise

    def put_file(self, fh: BinaryIO) -> BlobRef:
        return self.put_chunks(iter(lambda: fh.read(CHUNK), b""))

    def sweep_temporary(self, older_than: timedelta) -> list[Path]:
        """Remove temporary files of uploads that never finished (a client gone, a server killed)."""
        cutoff = time.time() - older_than.total_seconds()
        removed = []
        for path in (self.root / "tmp").iterdir():
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed

    def exists(self, sha256: str) -> bool:
        try:
            return self._path(sha256).exists()
        except NotFound:
            return False

    def open(self, sha256: str) -> BinaryIO:
        """The blob's file, for reading; the caller closes it. Unbuffered: the readers read
        large blocks or map the file (the opening), so a buffer would only add a copy."""
        try:
            return open(self._name(sha256), "rb", buffering=0)
        except FileNotFoundError:
            raise NotFound("blob_not_found", "文件不存在", "No such file", sha256=sha256) from None

    def iter_chunks(self, sha256: str) -> Iterator[bytes]:
        with self.open(sha256) as fh:
            while chunk := fh.read(CHUNK):
                yield chunk


class BlobWriter:
    """A temporary file in ``tmp/`` until ``commit`` hashes it into place (after an fsync of the
    file and of its directory), so a reader never sees a partial blob and a crash leaves only a
    temporary file."""

    def __init__(self, store: DirectoryBlobStore, max_size: int | None) -> None:
        self._fd, self._tmp = tempfile.mkstemp(dir=store.root / "tmp")
        self._store, self._max = store, max_size
        self._digest = hashlib.sha256()
        self._closed = False
        self._pieces = 0  # writes into the extent being filled
        self.size = 0

    def write(self, chunk: bytes | bytearray | memoryview) -> None:
        if self._max is not None and self.size + len(chunk) > self._max:
            raise _too_large(self._max)
        self._digest.update(chunk)
        with memoryview(chunk) as view:
            done = 0
            while done < len(view):
                piece = min(len(view) - done, EXTENT - self.size % EXTENT)
                self._pwrite(view[done : done + piece], self.size)
                done += piece
                self.size += piece
                self._pieces += 1
                if self.size % EXTENT == 0:
                    self._lay_out(self.size - EXTENT)

    def _pwrite(self, data: memoryview, offset: int) -> None:
        written = 0
        while written < len(data):
            written += os.pwrite(self._fd, data[written:], offset + written)

    def _lay_out(self, start: int) -> None:
        """Rewrite the extent from ``start`` to the end of the file in one write, so that the
        page cache holds it as one folio, when it came in more than one piece."""
        pieces, self._pieces = self._pieces, 0
        length = self.size - start
        if pieces < 2:
            return
        buffer = _extents.take()
        try:
            with memoryview(buffer)[:length] as view:
                got = 0
                while got < length:
                    n = os.preadv(self._fd, [view[got:]], start + got)
                    if n == 0:
                        raise OSError(f"blob file shorter than written: {self._tmp}")
                    got += n
                os.ftruncate(self._fd, start)  # the small folios go, unwritten if still dirty
                self._pwrite(view, start)
        finally:
            _extents.give([buffer])

    def commit(self) -> BlobRef:
        self._lay_out(self.size - self.size % EXTENT)
        os.fsync(self._fd)
        self._close()
        sha = self._digest.hexdigest()
        dest = self._store._path(sha)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, dest)
        directory = os.open(dest.parent, os.O_RDONLY)
        try:  # the rename itself must survive a power cut before the database row points at it
            os.fsync(directory)
        finally:
            os.close(directory)
        return BlobRef(sha, self.size)

    def abort(self) -> None:
        self._close()
        Path(self._tmp).unlink(missing_ok=True)

    def _close(self) -> None:
        if not self._closed:
            self._closed = True
            os.close(self._fd)


#: Buffers for laying out extents, shared by the writers: one per thread laying out at a time,
#: at most eight of them kept for the next (16 MiB).
_extents = BufferPool(EXTENT, 8)


def _too_large(limit: int) -> BlobTooLarge:
    return BlobTooLarge(
        "file_too_large", f"文件超过大小上限 {limit} 字节", f"The file exceeds the limit of {limit} bytes", limit=limit
    )
