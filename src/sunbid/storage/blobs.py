"""A content-addressed blob store in a directory: files are named by their SHA-256.

Writes stream through a temporary file in chunks, so no file is ever whole in memory;
the file is renamed into place only after its hash is known, so readers never see a
partial blob. Storing the same content twice keeps one copy.
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

from sunbid.kernel.errors import DomainError, NotFound

CHUNK = 1 << 20
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
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        if _SHA256.fullmatch(sha256) is None:
            raise NotFound("blob_not_found", "文件不存在", "No such file", sha256=sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

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
        try:
            return open(self._path(sha256), "rb")  # the caller closes it
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
        fd, self._tmp = tempfile.mkstemp(dir=store.root / "tmp")
        self._fh: BinaryIO = os.fdopen(fd, "wb")
        self._store, self._max = store, max_size
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes | bytearray) -> None:
        self.size += len(chunk)
        if self._max is not None and self.size > self._max:
            raise _too_large(self._max)
        self._digest.update(chunk)
        self._fh.write(chunk)

    def commit(self) -> BlobRef:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
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
        self._fh.close()
        Path(self._tmp).unlink(missing_ok=True)


def _too_large(limit: int) -> BlobTooLarge:
    return BlobTooLarge(
        "file_too_large", f"文件超过大小上限 {limit} 字节", f"The file exceeds the limit of {limit} bytes", limit=limit
    )
