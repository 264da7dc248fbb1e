"""The registry of claim checkers: every claim type a page can render has a checker that recomputes what the claim
asserts from the data it is drawn beside (tests/test_claim_registry.py fails for a claim type without one).

A checker is ``check(claim, text, lang, context)``: ``claim`` the claim object, ``text`` its rendered sentence in
``lang`` ("en" or "ko"), ``context`` the result the page drew it beside (whatever that page's data function
returned, and the settings). It raises AssertionError when the sentence contradicts the data. Each page family's
property test registers its checkers here with ``@checks(ClaimType, ...)`` and runs them over >= 300 random settings
of that page's own controls and the shared ones, in English and Korean (``check_all``).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import explorer

Checker = Callable[[Any, str, str, Any], None]
CHECKERS: dict[type, Checker] = {}


def steps(n: object, noun: str = "step") -> str:
    """How an English sentence counts steps, written out: "1 step", "0 steps", "12 steps"."""
    return f"{n} {noun}" + ("" if str(n) == "1" else "s")


def checks(*types: type) -> Callable[[Checker], Checker]:
    """Register ``fn`` as the checker of each claim type in ``types``."""

    def register(fn: Checker) -> Checker:
        for t in types:
            assert t not in CHECKERS, f"{t.__name__} has two checkers"
            CHECKERS[t] = fn
        return fn

    return register


def check_all(claims: list[Any], context: Any, langs: tuple[str, ...] = ("en", "ko")) -> int:
    """Render each claim in each language and run its type's checker; the number of sentences checked."""
    n = 0
    for claim in claims:
        checker = CHECKERS.get(type(claim))
        assert checker is not None, f"no checker for {type(claim).__name__}"
        for lang in langs:
            checker(claim, claim.render(lang), lang, context)
            n += 1
    return n


def claim_types() -> list[type]:
    """Every class in explorer/ that renders a reading: a class named *Claim with a ``render(lang)`` method
    (the Claim protocol itself excluded)."""
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(explorer.__path__, "explorer."):
        if info.name.rsplit(".", 1)[-1] != "claims":
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and obj.__module__ == module.__name__
                and name.endswith("Claim")
                and callable(getattr(obj, "render", None))
                and not getattr(obj, "_is_protocol", False)
            ):
                found[f"{module.__name__}.{name}"] = obj
    return [found[k] for k in sorted(found)]
