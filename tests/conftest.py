from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SEEDS = FIXTURES / "seeds"


@pytest.fixture
def seeds_dir() -> Path:
    return SEEDS


def seed_id(prefix: str) -> str:
    """The article id of the seed whose file name starts with `prefix` ("000" ...)."""
    return next(p.stem for p in SEEDS.glob(f"{prefix}_*.txt"))


def group_is_gone(pgid: int, tries: int = 100) -> bool:
    """Whether process group `pgid` has no member left, waiting up to `tries` tenths of a second
    (processes stopped with their parent may take a moment)."""
    for _ in range(tries):
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False
