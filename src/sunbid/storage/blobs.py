"""A content-addressed blob store in a directory: files are named by their SHA-256.

Writes stream through a temporary file in chunks, so no file is ever whole in memory;
the file is renamed into place only after its hash is known, so readers never see a
partial blob. Storing the same content twice keeps one copy.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sunbid.kernel.errors import DomainError, NotFound

CHUNK = 1 << 20


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
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise NotFound("blob_not_found", "文件不存在", "No such file", sha256=sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _start(self) -> tuple[BinaryIO, str]:
        fd, tmp = tempfile.mkstemp(dir=self.root / "tmp")
        return os.fdopen(fd, "wb"), tmp

    def _finish(self, fh: BinaryIO, tmp: str, digest: hashlib._Hash, size: int) -> BlobRef:
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        sha = digest.hexdigest()
        dest = self._path(sha)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)
        directory = os.open(dest.parent, os.O_RDONLY)
        try:  # the rename itself must survive a power cut before the database row points at it
            os.fsync(directory)
        finally:
            os.close(directory)
        return BlobRef(sha, size)

    def put_chunks(self, chunks: Iterable[bytes], max_size: int | None = None) -> BlobRef:
        fh, tmp = self._start()
        digest, size = hashlib.sha256(), 0
        try:
            for chunk in chunks:
                size += len(chunk)
                if max_size is not None and size > max_size:
                    raise _too_large(max_size)
                digest.update(chunk)
                fh.write(chunk)
            return self._finish(fh, tmp, digest, size)
        except BaseException:
            fh.close()
            Path(tmp).unlink(missing_ok=True)
            raise

    async def put_stream(self, chunks: AsyncIterator[bytes], max_size: int | None = None) -> BlobRef:
        fh, tmp = self._start()
        digest, size = hashlib.sha256(), 0
        try:
            async for chunk in chunks:
                size += len(chunk)
                if max_size is not None and size > max_size:
                    raise _too_large(max_size)
                digest.update(chunk)
                fh.write(chunk)
            return self._finish(fh, tmp, digest, size)
        except BaseException:
            fh.close()
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_file(self, fh: BinaryIO) -> BlobRef:
        return self.put_chunks(iter(lambda: fh.read(CHUNK), b""))

    def exists(self, sha256: str) -> bool:
        try:
            return self._path(sha256).exists()
        except NotFound:
            return False

    def open(self, sha256: str) -> BinaryIO:
        path = self._path(sha256)
        if not path.exists():
            raise NotFound("blob_not_found", "文件不存在", "No such file", sha256=sha256)
        return path.open("rb")

    def iter_chunks(self, sha256: str) -> Iterator[bytes]:
        with self.open(sha256) as fh:
            while chunk := fh.read(CHUNK):
                yield chunk


def _too_large(limit: int) -> BlobTooLarge:
    return BlobTooLarge(
        "file_too_large", f"文件超过大小上限 {limit} 字节", f"The file exceeds the limit of {limit} bytes", limit=limit
    )
