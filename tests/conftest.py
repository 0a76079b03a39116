from __future__ import annotations

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
