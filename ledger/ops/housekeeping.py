"""Files Quỹ leaves on disk beside the books, removed when they have served: ``quy cleanup``.

* **Uploads** (``QUY_UPLOADS``): a campaign file or a bank statement waits there between its preview and
  its confirmation, named by its sha256; an import's progress file (``statements/progress/``) lives while
  the import runs. Once imported, the books hold what the file said; the file itself holds donors' names
  and bank memos. Removed after ``QUY_KEEP_UPLOADS_DAYS`` (7) days.
* **Batch prints** (``QUY_PRINTS``): the PDF of a batch printed from the web. Removed after
  ``QUY_KEEP_PRINTS_DAYS`` (90) days; the job stays listed, its download answers that the file is gone,
  and the batch is printed again on demand (the same documents, the same numbers).

Only files whose names Quỹ gives are touched — a folder pointed elsewhere by mistake loses nothing else —
and never through a symbolic link. Each new upload sweeps the uploads, each new batch print the prints, so
a busy office needs no timer; ``quy cleanup`` (daily with the backup timer) covers a quiet one.
"""

from __future__ import annotations

import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings

DAY = 86_400
#: What Quỹ names the files it leaves, per folder (relative to the uploads or prints folder).
_UPLOADS = ((".", re.compile(r"[0-9a-f]{64}\.(?:csv|xlsx)")),
            ("statements", re.compile(r"[0-9a-f]{64}\.(?:csv|xlsx|xml|sta|mt940|940|txt)")),
            ("statements/progress", re.compile(r"\d+-[0-9a-f]{32}\.(?:json|tmp)")))
_PRINTS = ((".", re.compile(r"job-\d+-[0-9a-f]{16}-[a-z_]+\.pdf(?:\.part)?")),  # .part: a job that died
           ("exports", re.compile(r"\d+-[0-9a-f]{32}\.(?:xlsx|csv|json|part|tmp)")))  # books/export_jobs.py


@dataclass(frozen=True)
class Removed:
    path: Path
    size: int
    kind: str  # "upload" or "print"


def _no_links(root: Path, sub: str) -> Path | None:
    """``root / sub`` if it is a folder reached through no symbolic link below ``root`` (the configured
    folder itself may be one), else None."""
    folder = root
    try:
        if not root.is_dir():
            return None
        for part in Path(sub).parts:
            folder = folder / part
            if not stat.S_ISDIR(folder.lstat().st_mode):
                return None
    except OSError:
        return None
    return folder


def _old_files(root: Path, patterns, older_than: float):  # noqa: ANN001
    for sub, pattern in patterns:
        folder = _no_links(root, sub)
        if folder is None:
            continue
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not pattern.fullmatch(entry.name):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:  # gone meanwhile (a progress file replaced, another sweep)
                continue
            if stat.S_ISREG(st.st_mode) and st.st_mtime < older_than:
                yield Path(entry.path), st.st_size


def sweep(settings: Settings, *, uploads: bool = True, prints: bool = True, dry_run: bool = False,
          now: float | None = None) -> list[Removed]:
    """Remove (or with ``dry_run`` only list) the uploads and batch prints older than their settings keep.
    A file that cannot be removed, or that was written again since it was listed (the same upload once
    more), is left."""
    now = time.time() if now is None else now
    out: list[Removed] = []
    for wanted, kind, root, patterns, days in (
            (uploads, "upload", settings.uploads, _UPLOADS, settings.keep_uploads_days),
            (prints, "print", settings.prints, _PRINTS, settings.keep_prints_days)):
        if not wanted:
            continue
        older_than = now - days * DAY
        for path, size in sorted(_old_files(root, patterns, older_than)):
            if not dry_run:
                try:
                    if path.lstat().st_mtime >= older_than:
                        continue
                    path.unlink()
                except OSError:
                    continue
            out.append(Removed(path, size, kind))
    return out


__all__ = ["Removed", "sweep"]
