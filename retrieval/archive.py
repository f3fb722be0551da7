"""A build directory as one checksummed tar.gz, and back: how a published build travels between machines."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import IndexCorruptError, IndexMismatchError, IndexNotBuiltError
from retrieval.store import read_manifest

BUILD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")  # a plain directory name


class ArchiveError(IndexCorruptError):
    """A build archive is incomplete, altered or not a build; it is refused, the live index stays."""


@dataclass(frozen=True)
class BuildArchive:
    """A packed build: its id (the build directory's name), the gzip'd tar bytes and their SHA-256."""

    build_id: str
    data: bytes
    sha256: str


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack_build(build_dir: Path) -> BuildArchive:
    """Pack a finished build (manifest, index files, knowledge snapshot) under its own name."""
    build_dir = Path(build_dir)
    read_manifest(build_dir)  # only finished builds travel
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as tar:
        tar.add(build_dir, arcname=build_dir.name)
    data = buffer.getvalue()
    return BuildArchive(build_dir.name, data, checksum(data))


def unpack_build(archive: BuildArchive, expected_sha256: str, into: Path) -> Path:
    """Check the archive against the published checksum, unpack it into `into` (a fresh private
    directory) and return the build directory; raises ArchiveError for anything but an intact build."""
    if not BUILD_ID.match(archive.build_id):
        raise ArchiveError(f"构建编号不合法：{archive.build_id!r}")
    actual = checksum(archive.data)
    if actual != expected_sha256 or actual != archive.sha256:
        raise ArchiveError(f"构建包 {archive.build_id} 校验和不符（{actual[:12]}），已拒绝")
    try:
        with tarfile.open(fileobj=io.BytesIO(archive.data), mode="r:gz") as tar:
            names = tar.getnames()
            if any(n != archive.build_id and not n.startswith(f"{archive.build_id}/") for n in names):
                raise ArchiveError(f"构建包 {archive.build_id} 含有构建目录以外的文件，已拒绝")
            tar.extractall(into, filter="data")  # no links out, no absolute paths, no devices
    except (tarfile.TarError, gzip.BadGzipFile, zlib.error, EOFError) as exc:  # OSError (disk) propagates
        raise ArchiveError(f"构建包 {archive.build_id} 无法解开：{exc}") from exc
    build = Path(into) / archive.build_id
    try:
        manifest = read_manifest(build)
    except (IndexNotBuiltError, IndexMismatchError, ValueError) as exc:  # ValueError: not UTF-8
        raise ArchiveError(f"构建包 {archive.build_id} 不是完整的索引：{exc}") from exc
    if manifest.build_id != archive.build_id:
        raise ArchiveError(f"构建包 {archive.build_id} 的清单属于另一个构建 {manifest.build_id}")
    return build
