"""Every claim type a page can render has a registered checker (tests/claim_registry.py); the checkers live in
tests/checkers_<family>.py beside each page family's property test."""

from __future__ import annotations

import importlib
from pathlib import Path

import claim_registry

for path in sorted(Path(__file__).parent.glob("checkers_*.py")):
    importlib.import_module(path.stem)


def test_the_registry_finds_the_claim_types():
    names = {t.__name__ for t in claim_registry.claim_types()}
    assert {"TrendClaim", "TruncClaim", "LossClaim", "TwinClaim", "OpenClaim"} <= names


def test_every_claim_type_has_a_checker():
    missing = [t.__name__ for t in claim_registry.claim_types() if t not in claim_registry.CHECKERS]
    assert missing == []
