"""The composition root: builds the engine, blob store, clock and rule book from settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from sunbid.config import Settings
from sunbid.kernel.clock import Clock, parse_clock
from sunbid.kernel.rules import RuleBook
from sunbid.storage.blobs import DirectoryBlobStore
from sunbid.storage.db import make_engine
from sunbid.storage.orm import start_mappers
from sunbid.storage.uow import SqlUnitOfWork


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    blobs: DirectoryBlobStore
    clock: Clock
    rules: RuleBook

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.blobs)


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> Platform:
    settings = settings or Settings()
    url = settings.database_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and ":memory:" not in url:
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    start_mappers()
    rules = RuleBook.from_file(settings.rules_file) if settings.rules_file else RuleBook.default()
    return Platform(
        settings=settings,
        engine=make_engine(url),
        blobs=DirectoryBlobStore(settings.blob_dir),
        clock=clock or parse_clock(settings.clock),
        rules=rules,
    )
