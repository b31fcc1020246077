"""Progress of long commands (demo, rebuild, verify) on stderr: `label: done/total (n%)`."""

from __future__ import annotations

import sys
from collections.abc import Callable


def progress_printer(label: str) -> Callable[[int, int], None]:
    last = [-1]

    def report(done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        if percent != last[0]:
            last[0] = percent
            end = "\n" if done >= total else ""
            print(f"\r{label}: {done}/{total} ({percent}%)", end=end, file=sys.stderr, flush=True)

    return report
