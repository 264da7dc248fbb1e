"""A lab run on a replica that died is reported as lost, not silently gone (issue 19 §3). While a run is live its
panel marks the address bar (``lab_run=1``); a browser whose replica died reruns the page on a new session with that
URL (checked in Chromium: ``python -m benchmarks.class_spotcheck --lab-kill``). A browser that instead asks the new
session to redraw the live panel (a fragment it never drew) gets a full run, flagged by explorer/compat.py. Either
way the lab says the run was on a server that stopped."""

from __future__ import annotations

from pathlib import Path

import streamlit
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.WidgetStates_pb2 import WidgetState

from explorer import compat
from explorer.lab import training as lab

ROOT = Path(__file__).resolve().parents[1]


class FakeSession:
    """What ``compat.revive`` reads and writes on Streamlit's AppSession."""

    def __init__(self, fragments: tuple[str, ...] = ()) -> None:
        self.fragments = set(fragments)
        self._session_state: dict[str, object] = {}

    def has_fragment(self, fragment_id: str) -> bool:
        return fragment_id in self.fragments


def fragment_redraw(fragment: str = "frag-1") -> ClientState:
    cs = ClientState(query_string="lag=6&lab_H=4", page_script_hash="lab-hash", fragment_id=fragment,
                     is_auto_rerun=True)  # fmt: skip
    cs.widget_states.widgets.append(WidgetState(id="$$ID-abc-lab_H", int_value=4))
    return cs


def test_a_new_sessions_redraw_of_an_unknown_fragment_becomes_a_full_run_and_is_flagged():
    session = FakeSession()
    asked = fragment_redraw()
    got = compat.revive(session, asked)
    assert got.fragment_id == "" and not got.is_auto_rerun
    # the same page, its URL's query and the widgets' values: the view comes back as the student had it
    assert got.page_script_hash == "lab-hash" and got.query_string == "lag=6&lab_H=4"
    assert [w.id for w in got.widget_states.widgets] == ["$$ID-abc-lab_H"]
    assert session._session_state[compat.REVIVED_KEY] is True
    assert asked.fragment_id == "frag-1"  # the request itself is left as it came
    # the next redraws of the old panel are left to Streamlit (which drops them): one full run, not one a second
    session._session_state.clear()
    again = fragment_redraw()
    assert compat.revive(session, again) is again and not session._session_state


def test_a_session_that_ran_or_holds_the_fragment_is_left_alone():
    ran = FakeSession()
    first = ClientState(page_script_hash="lab-hash")
    assert compat.revive(ran, first) is first
    late = fragment_redraw()  # a redraw that raced a full run which removed the fragment (streamlit#9080)
    assert compat.revive(ran, late) is late and not ran._session_state
    holds = FakeSession(fragments=("frag-1",))
    live = fragment_redraw()
    assert compat.revive(holds, live) is live and not holds._session_state
    assert compat.revive(FakeSession(), None) is None


def test_install_wraps_streamlits_rerun_request_once():
    from streamlit.runtime.app_session import AppSession

    compat.install()
    compat.install()
    if compat.supported():
        assert getattr(AppSession.request_rerun, "revives", False)
    else:  # another Streamlit than the pinned one: Streamlit's own behaviour
        assert not getattr(AppSession.request_rerun, "revives", False), streamlit.__version__


def lab_page(revived: bool, lang: str = "en", query: dict[str, str] | None = None, marked: bool = False):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    query = query or {"lag": "6", "lab_H": "4", "lab_batch": "4", "lab_steps": "50"}
    at.query_params.update(query)
    if lang != "en":
        at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/lab.py")
    if marked:  # the lab's URL as the browser of a live run has it; this session has not run the lab yet
        at.query_params.update({**query, "lab_run": "1"})
    if revived:
        at.session_state[compat.REVIVED_KEY] = True
    return at.run()


def test_the_lab_says_a_run_on_a_stopped_server_is_lost():
    at = lab_page(revived=True)
    assert not at.exception
    assert [w.value for w in at.warning] == ["This run was on a server that stopped; start it again."]
    assert at.info and "Train" in at.info[0].value  # and how to start it again
    at.run()  # once: the next run is an ordinary one
    assert not at.warning
    ko = lab_page(revived=True, lang="ko")
    assert [w.value for w in ko.warning] == ["이 학습은 멈춘 서버에서 진행 중이었습니다. 다시 시작해 주세요."]


def test_the_lab_says_nothing_when_no_run_was_live_or_the_run_is_still_here():
    assert not lab_page(revived=False).warning
    settings = lab.LabSettings(T=6, H=4, batch=4, steps=50, seed=11)
    try:
        job = lab.SCHEDULER.submit(settings)
        assert job.wait(30)
        at = lab_page(revived=True, query={"lag": "6", "lab_H": "4", "lab_batch": "4", "lab_steps": "50",
                                           "lab_seed": "11"})  # fmt: skip
        assert not at.exception and not at.warning  # the same server still has it: it is shown
        assert at.success
    finally:
        lab.SCHEDULER.shutdown()


def test_install_takes_the_loaded_modules_out_of_the_collectors_walks():
    import gc

    compat.install()
    if compat.supported():
        assert gc.get_freeze_count() > 10_000  # NumPy, pandas, Plotly, Streamlit and the app's modules


def test_a_new_session_with_the_live_runs_mark_in_its_url_says_the_run_is_lost():
    at = lab_page(revived=False, marked=True)
    assert not at.exception
    assert [w.value for w in at.warning] == ["This run was on a server that stopped; start it again."]
    assert "lab_run" not in at.query_params  # the mark is not kept: a reload does not say it again
    assert not any("unknown" in w.value.lower() for w in at.sidebar.warning)  # nor called an unknown parameter


def test_the_mark_of_a_run_that_is_still_here_only_shows_it():
    settings = lab.LabSettings(T=6, H=4, batch=4, steps=50, seed=12)
    try:
        assert lab.SCHEDULER.submit(settings).wait(30)
        at = lab_page(revived=False, marked=True, query={"lag": "6", "lab_H": "4", "lab_batch": "4",
                                                         "lab_steps": "50", "lab_seed": "12"})  # fmt: skip
        assert not at.exception and not at.warning and at.success
    finally:
        lab.SCHEDULER.shutdown()


def test_the_mark_is_no_setting_and_no_stranger():
    from explorer.shared.controls import parse_params

    values, notices = parse_params({"lab_run": "1", "lag": "6"})
    assert values == {"T": 6} or "lab_run" not in values
    assert notices == []


def test_a_live_runs_mark_survives_the_full_runs_url_sync_and_goes_when_the_run_is_over(monkeypatch):
    import threading

    import recurrent_core as rc

    hold = threading.Event()

    def held(*args, **kwargs):  # the run stays live until the test lets it train
        hold.wait(30)
        yield from rc.train_iter(*args, **kwargs)

    monkeypatch.setattr(lab.SCHEDULER, "iterate", held)
    query = {"lag": "6", "lab_H": "4", "lab_batch": "4", "lab_steps": "50", "lab_seed": "13"}
    try:
        at = lab_page(revived=False, query=query)
        at.button(key="lab_train").click().run()
        assert not at.exception and not at.warning
        assert at.query_params["lab_run"] == "1"
        at.run()  # another full run: the URL sync keeps the mark
        assert at.query_params["lab_run"] == "1"
        job = lab.SCHEDULER.find(lab.LabSettings(T=6, H=4, batch=4, steps=50, seed=13))
        assert job is not None
        hold.set()
        assert job.wait(30)
        at.run()
        assert not at.exception and "lab_run" not in at.query_params  # over: a reload will not call it lost
    finally:
        hold.set()
        lab.SCHEDULER.shutdown()
