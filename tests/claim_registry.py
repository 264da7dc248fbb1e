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
import re
from collections.abc import Callable
from typing import Any

import explorer

Checker = Callable[[Any, str, str, Any], None]
CHECKERS: dict[type, Checker] = {}


# A Korean particle right after a norm ‖…‖, and how a reader says the norm's last character: ‖∂L/∂h_t‖ ends in 티
# (‖∂L/∂h_t‖는, 가, 를, 와, 로), ‖∂L/∂h_(t−1)‖ in 일 (은, 이, 을, 과, 로), ‖M‖ in 엠. Written out apart from
# explorer.shared.i18n, so that a wrong rule there is caught too.
NORM_PARTICLE = re.compile(r"‖([^‖\n]+)‖[*`]*(은|는|이|가|을|를|과|와|으로|로)(?![가-힣])")
_LATIN_FINAL = {"l": "ㄹ", "m": "ㅁ", "n": "ㄴ", "r": "ㄹ"}  # 엘 엠 엔 알; others end in a vowel (티, 씨)
_DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ", "9": ""}
_PARTICLES = {  # final consonant ("" none) -> the particles that may follow
    "": {"는", "가", "를", "와", "로"},
    "ㄹ": {"은", "이", "을", "과", "로"},
}
_WITH_FINAL = {"은", "이", "을", "과", "으로"}


def norm_particle_errors(text: str) -> list[str]:
    """Each ‖…‖ in ``text`` followed by a particle that its reading does not take ("‖∂L/∂h_t‖은")."""
    errors = []
    for m in NORM_PARTICLE.finditer(text):
        inner, particle = m.group(1).rstrip(" )]}'\"*`_~"), m.group(2)
        if not inner:
            continue
        ch = inner[-1]
        if ch.isascii() and ch.isalpha():
            final = _LATIN_FINAL.get(ch.lower(), "")
        elif ch in _DIGIT_FINAL and not (ch == "0" and inner[-2:-1].isdigit()):  # 10, 20: 십, not 영
            final = _DIGIT_FINAL[ch]
        else:
            continue  # Greek letters, other symbols: not judged here
        allowed = _PARTICLES.get(final, _WITH_FINAL)
        if particle not in allowed:
            errors.append(m.group(0))
    return errors


ONE_STEPS = re.compile(r"(?<![\d.,])1 (?:cell )?steps\b")


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
            text = claim.render(lang)
            checker(claim, text, lang, context)
            # every page family's readings: the particle after ‖∂L/∂…‖ as it is read, and "1 step", not "1 steps"
            assert lang != "ko" or not norm_particle_errors(text), (norm_particle_errors(text), text)
            assert lang != "en" or not ONE_STEPS.search(text), text
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
