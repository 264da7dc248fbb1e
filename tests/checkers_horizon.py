"""Checkers of the horizon page's readings (explorer/horizon/claims.py): each number is recomputed from the map the
reading is drawn beside (the HorizonResult), never taken from the claim."""

from __future__ import annotations

import re

import numpy as np
from claim_registry import checks

import recurrent_core as rc
from explorer.horizon.claims import HorizonReachClaim, MedianReachClaim
from explorer.horizon.data import REACH_DECADES


def own_reach(row: np.ndarray) -> int | None:
    """Steps back from the row's last entry (t = s) while it stays >= 10⁻³ of that value; None if it is not finite.
    Written here from the definition, not with rc.horizon_reach."""
    if not np.isfinite(row[-1]):
        return None
    n = 0
    for v in row[::-1][1:]:
        if not (np.isfinite(v) and v >= row[-1] - REACH_DECADES):
            break
        n += 1
    return n


def the_map(claim, result):
    if claim.what == "connectivity":
        return result.connectivity
    return result.cell if claim.what == "horizon_c" else result.horizon


@checks(HorizonReachClaim)
def check_reach(claim, text, lang, result):
    m = the_map(claim, result)
    row = m.log10[list(m.s).index(claim.s), m.t <= claim.s]
    want = own_reach(row)
    assert claim.defined == (want is not None), text
    if want is None:
        assert "0" in text
        return
    assert claim.reach == want, (claim, want)
    assert claim.first == int(m.t[0])
    if claim.s - want <= claim.first:  # held to the first computed step
        assert f"t = {claim.first}" in text and ("first step" in text or "첫 시각" in text), text
    else:
        assert f"{want}" in text and f"t = {claim.s - want}" in text, text
        # and the step before the reach's end really is below 10⁻³ of the diagonal (or not finite)
        before = row[-1 - want - 1]
        assert not (np.isfinite(before) and before >= row[-1] - REACH_DECADES)


@checks(MedianReachClaim)
def check_median(claim, text, lang, result):
    reach = [own_reach(result.horizon.log10[r, result.horizon.t <= s]) or 0 for r, s in enumerate(result.horizon.s)]
    assert claim.median == float(np.median(reach)) and claim.longest == max(reach)
    numbers = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", text)]
    assert claim.median in numbers and claim.longest in numbers and len(reach) in numbers, text
    assert np.array_equal(np.asarray(reach), rc.horizon_reach(result.horizon, REACH_DECADES))
    # a reach that gets to the first step computed is a distance to the start, and the sentence says how many
    h = result.horizon
    to_start = sum(1 for r, s in enumerate(h.s) if s - reach[r] <= h.t[0])
    if to_start == len(reach):
        assert ("only its distance to the start" if lang == "en" else "시작점까지의 거리일 뿐") in text, text
    elif to_start:
        assert (f"{to_start} of them reach the first step" if lang == "en" else f"그중 {to_start}개") in text, text
    else:
        assert "first step" not in text and "첫 시각" not in text, text
