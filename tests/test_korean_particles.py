"""Korean particles after the norms ‖∂L/∂h_t‖, ‖∂L/∂c_t‖ … (read by what they hold: ‖∂L/∂h_t‖ ends in 티, so
‖∂L/∂h_t‖는, 가, 를, 와, 로) and English counts of steps ("1 step", "2 steps").

The readings of every page family are checked the same way in claim_registry.check_all over their random settings;
here: the checker itself, every string the code writes, readings rendered at one step, and the Korean pages.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from claim_registry import ONE_STEPS, norm_particle_errors
from streamlit.testing.v1 import AppTest

from explorer.flow import claims as flow_claims
from explorer.horizon import claims as horizon_claims
from explorer.lab import claims as lab_claims
from explorer.model import claims as model_claims
from explorer.remedies import claims as remedies_claims
from explorer.shared import claims as shared_claims
from explorer.shared.curves import Trend

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(ROOT / "explorer").rglob("*.py"), *(ROOT / "charts").rglob("*.py"),
                  *(ROOT / "pages").rglob("*.py"), ROOT / "app.py"])  # fmt: skip
# an f-string placeholder inside the norm (‖∂L/∂x_{self.first}‖): its reading is known only once rendered
PLACEHOLDER = re.compile(r"\{[A-Za-z_][\w.]+[}\[(:!]")


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        ("‖∂L/∂h_t‖은 소실됩니다", ["‖∂L/∂h_t‖은"]),
        ("기억 셀의 ‖∂L/∂c_t‖이 남습니다", ["‖∂L/∂c_t‖이"]),
        ("‖∂L/∂h_t‖을 그립니다", ["‖∂L/∂h_t‖을"]),
        ("‖∂L/∂h_t‖과 ‖∂L/∂c_t‖", ["‖∂L/∂h_t‖과"]),
        ("‖∂L/∂h_t‖으로 잽니다", ["‖∂L/∂h_t‖으로"]),
        ("**LSTM** ‖∂L/∂c_t‖은 손실", ["‖∂L/∂c_t‖은"]),
        ("‖∂L/∂x_1‖는", ["‖∂L/∂x_1‖는"]),  # 일
        ("‖∂L/∂h_t‖는 소실되지만 ‖∂L/∂c_t‖가 남고 ‖∂L/∂h_t‖를 ‖∂L/∂h_t‖와 ‖∂L/∂h_t‖로", []),
        ("‖∂L/∂h_(t−1)‖은 ‖∂L/∂x_2‖는 ‖M‖이 ‖∂L/∂h_{t−1}‖로", []),
        ("‖∂L/∂h_t‖의 비율, ‖∂L/∂h_t‖입니다, ‖∂L/∂h_t‖이고", []),  # 의 and the copula are not judged
    ],
)
def test_the_checker_finds_a_particle_that_does_not_follow_the_reading(text, errors):
    assert norm_particle_errors(text) == errors


def test_no_string_in_the_code_puts_a_wrong_particle_after_a_norm():
    judged, errors = 0, []
    for path in SOURCES:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in re.finditer(r"‖[^‖\n]+‖\S*", line):
                if PLACEHOLDER.search(m.group(0)):
                    continue
                found = norm_particle_errors(m.group(0))
                judged += bool(re.match(r"‖[^‖]+‖[*`]*[은는이가을를과와로으]", m.group(0)))
                errors += [f"{path.relative_to(ROOT)}:{n}: {e}" for e in found]
    assert not errors, errors
    assert judged >= 20, judged  # the scan sees the strings it is meant to judge


def trend(quantity: str, steps: int, log10_ratio: float = -3.0) -> Trend:
    return Trend("full", "lstm", quantity, log10_ratio, steps, None)


def one_step_readings(lang: str) -> list[str]:
    """Readings of every family with one step (or k = 1, a reach of 1) where they count steps."""
    dh, dc = trend("dh", 1), trend("dc", 1)
    rendered = [
        shared_claims.TrendClaim("LSTM", dh).render(lang),
        shared_claims.TrendClaim("LSTM", dc).render(lang),
        shared_claims.TrendClaim("LSTM", trend("dh", 1, -8.0), cell=dc).render(lang),
        shared_claims.cell_text(dc, lang, h_vanishes=False),
        shared_claims.cell_text(trend("dc", 1, -8.0), lang),
        shared_claims.cell_text(trend("dc", 1, 0.5), lang),
        model_claims.LayerTrendClaim(("layer 0", "층 0"), dh).render(lang),
        model_claims.LayerTrendClaim(("layer 0", "층 0"), dc, reverse=True, near=2, far=1).render(lang),
        model_claims.LayerTrendClaim(("layer 0", "층 0"), trend("dh", 1, -math.inf), far=1).render(lang),
        remedies_claims.TruncClaim(
            "RNN", k=1, T=5, last_block_start=4, zero_before=None, bytes_block=1 << 20, bytes_full=5 << 20
        ).render(lang),
        remedies_claims.TruncClaim(
            "RNN", k=1, T=1, last_block_start=0, zero_before=None, bytes_block=1 << 20, bytes_full=1 << 20
        ).render(lang),
        remedies_claims.ChainClaim(0.0, 1).render(lang),
        remedies_claims.ChainClaim(-0.5, 1).render(lang),
        horizon_claims.HorizonReachClaim("RNN", "horizon", s=5, reach=1, first=0, defined=True).render(lang),
        horizon_claims.MedianReachClaim("RNN", 1.0, 3, 6).render(lang),
        lab_claims.LossClaim("rnn", 1.0, 1, "ok").render(lang),
        lab_claims.LossClaim("rnn", float("nan"), 1, "diverged").render(lang),
        lab_claims.ReachClaim("lstm", start=1, end=1, end_step=1, longest=9, cell_start=1, cell_end=1).render(lang),
        lab_claims.IrnnClaim(0.002, 1, 0.05, None, "learned", 1).render(lang),
        flow_claims.ContributionClaim("RNN", 1, -1.0, 3, -0.5, -2.0, True).render(lang),
    ]
    return rendered


def test_one_step_is_counted_in_the_singular():
    texts = one_step_readings("en")
    assert not [t for t in texts if ONE_STEPS.search(t)], [t for t in texts if ONE_STEPS.search(t)]
    said = "\n".join(texts)
    for phrase in ("after 1 step back", "1 step back from where", "to t = 1, 1 step,", "1 step from the loss's end",
                   "blocks of k = 1 step the", "k = 1 step gets no gradient", "T = 1 step there is one block",
                   "after 1 step:", "its gradient 1 step back", "median reach is 1 step,", "after 1 step the loss",
                   "mean of the last 1 step)", "diverged** after 1 step (", "for 1 step back", "for 1 cell step,",
                   "the baseline after 1 step."):  # fmt: skip
        assert phrase in said, phrase


def test_readings_at_one_step_take_the_particles_of_their_norms():
    texts = one_step_readings("ko")
    assert not [norm_particle_errors(t) for t in texts if norm_particle_errors(t)]
    said = "\n".join(texts)
    assert "‖∂L/∂h_t‖는" in said and "‖∂L/∂c_t‖는" in said  # the model page's and the shared TrendClaim's josa
    assert "‖∂L/∂x_1‖은" in said  # 일


def run_page(page: str, query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(query)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_text(at: AppTest) -> str:
    return "\n".join(el.value for el in (*at.markdown, *at.caption, *at.info, *at.warning))


@pytest.mark.parametrize("page", ["compare", "lstm", "model"])
def test_the_korean_pages_take_the_particles_of_their_norms(page):
    at = run_page(page, {"lang": "ko", "T": "30", "H": "8"})
    text = page_text(at)
    assert re.search(r"‖∂L/∂[hc]_t‖[*`]*[는가를와로]", text), "the page says something about a norm"
    assert not norm_particle_errors(text), norm_particle_errors(text)


@pytest.mark.parametrize(
    "verdicts",
    [
        {"rnn": "baseline", "lstm": "learned", "gru": "learned"},
        {"rnn": "baseline", "lstm": "learned", "gru": "partly"},
        {"rnn": "learned", "lstm": "diverged", "gru": "empty"},
    ],
)
def test_the_lab_story_ends_its_sentence_in_both_languages(verdicts):
    story = lab_claims.StoryClaim(verdicts)
    assert story.render("en").endswith(".") and story.render("ko").endswith("."), story.render("ko")
