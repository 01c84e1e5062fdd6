"""``--shard I/N``: split a run across CI runners, each checking the files of one shard.

A file's shard is a hash of its path as reports show it (relative to the working directory,
POSIX), so every runner of a matrix computes the same split without talking to the others, each
file lands in exactly one shard, and adding a file moves no other file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as GitHub matrices and GitLab's CI_NODE_INDEX count
    count: int

    def owns(self, shown: str) -> bool:
        import hashlib  # here: a run without --shard does not load OpenSSL for it

        digest = hashlib.sha256(shown.encode("utf-8", "surrogateescape")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1


def parse_shard(text: Optional[str]) -> Tuple[Optional[Shard], Optional[str]]:
    """``"2/4"`` as a shard, or an error message for ``--shard``."""
    if text is None:
        return None, None
    index, slash, count = text.partition("/")
    if not slash or not index.strip().isdigit() or not count.strip().isdigit():
        return None, f"--shard: expected I/N (e.g. 2/4), got '{text}'"
    shard = Shard(int(index), int(count))
    if not 1 <= shard.index <= shard.count:
        return None, f"--shard: I must be between 1 and N, got '{text}'"
    return shard, None


def select(files: Sequence[Path], shard: Optional[Shard], cwd: Path) -> List[Path]:
    """The files of ``shard`` (all of them without one), in their order."""
    if shard is None:
        return list(files)
    from groundrules.hooks.runner import _shown

    return [path for path in files if shard.owns(_shown(path, cwd))]
