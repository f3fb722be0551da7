"""Online backup of every SQLite store (gateway, knowledge, Rasa trackers) into one directory.

SQLite's backup API copies a consistent snapshot while the gateway keeps writing. Stores on PostgreSQL
are listed as skipped: back those up with pg_dump. Each copy is checked with `PRAGMA integrity_check`,
and a manifest.json says what was copied, from where and when.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """The backup directory already holds a backup, or a copy failed its integrity check."""


@dataclass(frozen=True)
class Copied:
    name: str
    source: str
    file: str  # inside the backup directory; "" when skipped
    note: str = ""


def sqlite_path(url: str) -> Path | None:
    """The file of a sqlite:/// URL; None for other databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def backup(dest: Path, stores: dict[str, Path | None]) -> list[Copied]:
    """Copy each store (name → SQLite file, None when it is not SQLite) to dest/NAME.db."""
    dest.mkdir(parents=True, exist_ok=True)
    if (dest / "manifest.json").exists():
        raise BackupError(f"{dest} 已有备份，请换一个目录")
    copied = []
    for name, source in stores.items():
        if source is None:
            copied.append(Copied(name, "", "", "不是 SQLite（PostgreSQL 请用 pg_dump 备份）"))
            continue
        if not source.exists():
            copied.append(Copied(name, str(source), "", "文件不存在，跳过"))
            continue
        target = dest / f"{name}.db"
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
            (result,) = dst.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise BackupError(f"{name} 的备份未通过完整性检查：{result}")
        copied.append(Copied(name, str(source), target.name))
    manifest = {"created_at": datetime.now(UTC).isoformat(), "stores": [asdict(c) for c in copied]}
    (dest / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return copied
