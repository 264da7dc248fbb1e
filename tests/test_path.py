"""The chapter's path (explorer/shared/path.py): its data, and through app.py (AppTest) the first screen and every
step's "what to try" link and "Next →". The walk in a real browser is tests/e2e/test_path_browser.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.shared import path, ui
from explorer.shared.controls import BY_KEY, CONTROLS, LANG, Settings, View, parse_params

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
HANGUL = re.compile("[가-힣]")


# ------------------------------------------------------------------------------------------------------- data
def app_pages() -> dict[str, str]:
    """url_path -> page file, as app.py registers them with st.Page."""
    source = (ROOT / "app.py").read_text()
    found = re.findall(r'st\.Page\("(pages/\w+\.py)".*?url_path="(\w+)"', source, flags=re.S)
    return {url: file for file, url in found}


def test_the_path_follows_chapter_6():
    assert [s.page for s in path.PATH] == ["book", "rnn", "remedies", "lstm", "gru", "compare", "lab", "model"]
    assert path.REFERENCE == ("theory", "horizon")


def test_every_step_and_reference_page_exists_in_the_app():
    pages = app_pages()
    for name in (*(s.page for s in path.PATH), *path.REFERENCE, "home"):
        assert name in pages, name
        assert (ROOT / pages[name]).is_file(), pages[name]
    assert pages["home"] == pages["compare"] == "pages/compare.py"  # the old home link still opens compare


def test_titles_and_try_lines_are_written_in_both_languages():
    for i, step in enumerate(path.PATH):
        for text in (*step.title, *step.try_line):
            assert text.strip(), step.page
        assert HANGUL.search(step.try_line[1]), step.try_line[1]
        assert step.label(i + 1, "en").startswith(f"{i + 1}. ") and step.label(i + 1, "ko").startswith(f"{i + 1}. ")
    assert len({s.title[0] for s in path.PATH}) == len(path.PATH)


@pytest.mark.parametrize("step", path.PATH, ids=[s.page for s in path.PATH])
def test_every_suggested_setting_is_valid_and_changes_something(step):
    assert step.settings, step.page
    values, notices = parse_params(step.settings)
    assert notices == [], notices
    for key, text in step.settings.items():
        spec = BY_KEY[key]  # a canonical URL key, not an alias
        assert spec.page in (None, step.page), (key, spec.page)  # a page's own control only on its page
        assert spec.url_text(values[key]) == text, (key, text)  # written as the address bar writes it
        assert text != spec.url_text(spec.default), f"{key}={text} is the default"
    applied = path.with_settings({}, step)
    assert step.settings.items() <= applied.items(), applied  # in force as suggested: consistent, within budget


def test_the_book_step_suggests_the_books_preset():
    book = next(s for s in path.PATH if s.page == "book")
    preset = {k: BY_KEY[k].url_text(v) for k, v in ui.BOOK_PRESET.items()}
    differing = {k: v for k, v in preset.items() if v != BY_KEY[k].url_text(BY_KEY[k].default)}
    assert dict(book.settings) == differing


def test_what_to_try_keeps_the_other_settings_and_the_language():
    lstm = next(s for s in path.PATH if s.page == "lstm")
    query = {"T": "77", "seed": "5", "lstm_gates": "heatmap", "lang": "ko"}
    assert path.with_settings(query, lstm) == query | {"forget_bias": "3.0"}
    book = path.PATH[0]
    assert path.with_settings({"forget_bias": "2.0", "T": "77"}, book)["T"] == "20"  # a suggestion wins
    assert path.with_settings({"forget_bias": "2.0"}, book)["forget_bias"] == "2.0"


def test_a_link_to_another_page_carries_the_shared_settings_only():
    s, view = Settings(T=20, forget_bias=2.0), View(axis="back", show_open=False, lstm_gates="heatmap")
    assert path.shared_query(s, view, "ko", "compare") == {"T": "20", "forget_bias": "2.0", "axis": "back",
                                                           "lang": "ko"}  # fmt: skip
    assert path.shared_query(Settings(), View(), "en", "rnn") == {}
    shared = {c.key for c in CONTROLS} | {LANG.key, "axis"}
    for step in path.PATH:
        query = path.shared_query(s, view, "ko", step.page)
        own = {k: v for k, v in query.items() if k not in shared}
        # the "Your model" page opens its default example (T150_open) on what it was trained on: the link says so,
        # so the page need not rewrite the address (a second history entry)
        assert own == ({"model_input": "adding", "model_T": "150"} if step.page == "model" else {}), own


def test_step_of_knows_the_compare_pages_old_address():
    assert path.step_of("home") == path.step_of("compare") == 5
    assert path.step_of("theory") is None and path.step_of("book") == 0


# ---------------------------------------------------------------------------------------------------- AppTest
def run(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query or {})
    at.run()
    if page != "book":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def links(at: AppTest) -> dict[str, tuple[str, str]]:
    """label -> (page url path, query) of every st.page_link."""
    return {p.proto.label: (p.proto.page, p.proto.query_string) for p in at.get("page_link")}


def test_the_first_screen_is_the_books_experiment_as_the_book_draws_it():
    at = run("book")
    assert at.title[0].value.startswith("The book's experiment")
    (fig,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert fig["layout"]["yaxis"].get("type", "linear") == "linear"  # the book's linear axis
    assert {t["name"] for t in fig["data"]} == {"Wh = randn(3, 3)", "Wh = randn(3, 3) × 0.5"}
    assert fig["layout"]["meta"]["settings"] == {"N": 2, "H": 3, "T": 20, "seed": 3}
    (table,) = at.dataframe
    assert len(table.value) == 20  # the book's table: 20 norms per curve
    text = "\n".join(m.value for m in at.markdown)
    assert "it **explodes**" in text and "it **vanishes**" in text
    assert "**LSTM** ‖∂L/∂h_t‖" in text and "Opened by +3" in text  # the untrained LSTM at bias 0, measured
    assert "opened forget gate" in text


def test_the_compare_page_keeps_its_old_address():
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/compare.py").run()
    assert at.title[0].value == "How far back does the gradient reach?"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_step_ends_with_what_to_try_and_next(lang):
    k = 1 if lang == "ko" else 0
    for i, step in enumerate(path.PATH):
        at = run(step.page, {"lang": lang} if lang == "ko" else None)
        text = "\n".join(m.value for m in at.markdown)
        assert step.try_line[k] in text, step.page
        found = links(at)
        apply_label = ("Apply these settings", "이 설정 적용")[k]
        target, query = found[apply_label]
        applied = dict(parse_qsl_strict(query))
        assert step.settings.items() <= applied.items(), (step.page, applied)
        assert target == ("" if step.page == "book" else step.page)
        if i + 1 < len(path.PATH):
            nxt = path.PATH[i + 1]
            label = f"{path.NEXT[k]} {nxt.label(i + 2, lang)}"
            assert found[label][0] == nxt.page, found
        else:
            assert not any(lab.startswith(path.NEXT[k]) for lab in found)
        # the sidebar: the path numbered, then the reference pages
        for j, s in enumerate(path.PATH):
            assert s.label(j + 1, lang) in found
        if lang == "ko":
            assert ("lang", "ko") in parse_qsl_strict(found[path.PATH[0].label(1, lang)][1])


def parse_qsl_strict(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))


def test_the_first_screens_readings_pass_their_checkers():
    """Every sentence the first screen computes: the book's figure read (BookClaim), and the untrained LSTM at
    forget bias 0 at the app's defaults (the compare page's claim types), through the registered checkers."""
    import checkers_flow
    from claim_registry import check_all

    from explorer.flow import claims, data
    from explorer.flow import ui as flow_ui

    book = data.book_view()
    book_lines = claims.book_claims(book, data.book_spectra(), flow_ui.BOOK_NAMES)
    assert [c.direction for c in book_lines] == ["explodes", "vanishes"]  # the book's two curves, as it says
    assert check_all(book_lines, book) == 4
    s = Settings()
    r = data.compare(s, True)
    lstm = [c for c in claims.compare_claims(r, s) if isinstance(c, (claims.TrendClaim, claims.OpenClaim))
            and c.name == "LSTM"]  # fmt: skip
    assert len(lstm) == 2 and "**vanishes**" in lstm[0].render("en")
    assert check_all(lstm, checkers_flow.FlowContext("compare", r, s)) == 4


def test_a_link_to_the_model_page_says_what_its_default_example_opens_on():
    from explorer.model.data import EXAMPLE_TRAINING
    from explorer.shared.controls import ModelControls

    task, T = EXAMPLE_TRAINING[ModelControls().source]
    assert path.ARRIVAL["model"] == {"model_input": task, "model_T": str(T)}
    values, notices = parse_params(path.ARRIVAL["model"])
    assert notices == [] and values == {"model_input": task, "model_T": T}


@pytest.mark.parametrize("page", [s.page for s in path.PATH if s.settings])
def test_what_to_try_already_in_force_says_so_and_offers_no_link(page):
    """The GRU page asked to 'write the GRU as the book does … +3' with both already set (session 8's second
    review): a suggestion in force says so, and no 'Apply' link that changes nothing is drawn."""
    step = next(s for s in path.PATH if s.page == page)
    at = run(page, dict(step.settings))
    text = "\n".join(m.value for m in at.markdown)
    assert step.try_line[0] in text and "These are the settings in force now." in text, text
    assert "Apply these settings" not in links(at)
