"""The HTML matrix in a real headless Chromium, opened from disk (file://).

Chromium is driven over the DevTools protocol on a pipe (tests/chromium_cdp.py), so no
network port, no webdriver and no Python dependency are needed. Skips when no Chromium
binary is installed (CI installs Debian's ``chromium`` in .ci/run).

The page is built from tests/fixtures/matrix (six destinations, with the transformer
fixture so VDM v2 has supported, partial and not supported rows) plus
tests/fixtures/matrix_html (a destination with very long names and many settings, and
one whose names and labels try to inject markup and a remote image).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium_cdp import Browser, find_browser

from capcheck.cli import main
from capcheck.render.matrix_html import group_of
from capcheck.report.audit import run_audit
from capcheck.report.matrix import build

FIXTURES = Path(__file__).parent / "fixtures"
MATRIX = FIXTURES / "matrix" / "destinations"
EXTRA = FIXTURES / "matrix_html" / "destinations"
TRANSFORMER = FIXTURES / "matrix" / "transformer"
INJECT = ("</script><script>document.title='pwned'</script>"
          "<img src=x onerror=\"document.title='pwned2'\">")

# Matrix order (display name, case-insensitive): "</script>..." sorts first.
ALL = ["script_inject", "alpha_retl", "beta_vdm", "delta_plain", "epsilon_declared",
       "gamma_record", "omega_long", "zeta_escape"]
READY = "document.documentElement.dataset.ready === '1'"
VISIBLE = ("Array.from(document.querySelectorAll('#matrix tbody tr'))"
           ".filter(function (r) { return r.offsetParent !== null; })"
           ".map(function (r) { return r.dataset.folder; })")
COUNT = "document.getElementById('count').textContent"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    binary = find_browser()
    if binary is None:
        pytest.skip("no chromium found: install Debian's `chromium` (apt-get install -y "
                    "chromium) or set CAPCHECK_CHROMIUM to a Chromium binary")
    profile = tmp_path_factory.mktemp("profile")
    chromium = Browser(binary, profile)
    try:
        chromium.attach_to_page()
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    html = tmp_path_factory.mktemp("page") / "matrix.html"
    assert main(["matrix", str(MATRIX), str(EXTRA), "--transformer", str(TRANSFORMER),
                 "--format", "html", "-o", str(html)]) == 0
    return html.as_uri()


@pytest.fixture
def page(browser: Browser, page_url: str) -> Browser:
    """A fresh load of the page in a 1400x900 window."""
    browser.viewport(1400, 900)
    load(browser, page_url)
    return browser


def load(browser: Browser, url: str) -> None:
    browser.open("about:blank")
    browser.requests.clear()
    browser.open(url, READY)


def chip(capability: str, group: str) -> str:
    return f'.chip[data-cap="{capability}"][data-group="{group}"]'


def header(key: str) -> str:
    return f'#matrix thead th[data-key="{key}"] button'


def shown(page: Browser) -> list[str]:
    result: list[str] = page.eval(VISIBLE)
    return result


# --- layout ------------------------------------------------------------------------

@pytest.mark.parametrize("width", [1400, 1366])
def test_no_horizontal_overflow_on_a_laptop(browser: Browser, page_url: str, width: int) -> None:
    browser.viewport(width, 900)
    load(browser, page_url)
    scroll, inner = browser.eval("[document.documentElement.scrollWidth, innerWidth]")
    assert inner == width and scroll <= inner
    # every column, the last included, is on screen
    right = browser.eval("Math.max.apply(null, Array.from(document.querySelectorAll("
                         "'#matrix thead th')).map(function (th) {"
                         " return th.getBoundingClientRect().right; }))")
    assert right <= width
    assert browser.eval("getComputedStyle(document.querySelector('#matrix .c-sync'))"
                        ".display") != "none"


def test_no_horizontal_overflow_at_any_width(browser: Browser, page_url: str) -> None:
    for width, mobile in ((320, True), (360, True), (600, True), (701, False), (800, False),
                          (901, False), (1024, False), (1101, False), (1920, False)):
        browser.viewport(width, 800, mobile)
        load(browser, page_url)
        scroll, inner = browser.eval("[document.documentElement.scrollWidth, innerWidth]")
        assert inner == width and scroll <= inner, (width, scroll)
        # every capability column stays on screen
        right = browser.eval("document.querySelector('#matrix thead th[data-key=\"vdm_v2\"]')"
                             ".getBoundingClientRect().right")
        assert right <= width, width


def test_more_capabilities_narrow_the_table_in_steps(browser: Browser, tmp_path: Path) -> None:
    html = tmp_path / "rules.html"
    assert main(["matrix", str(MATRIX), str(EXTRA), "--rules",
                 str(FIXTURES / "matrix_html" / "rules.yaml"), "--format", "html",
                 "-o", str(html)]) == 0
    steps = {}
    for width, mobile in ((1400, False), (1024, False), (390, True)):
        browser.viewport(width, 800, mobile)
        load(browser, html.as_uri())
        scroll, inner = browser.eval("[document.documentElement.scrollWidth, innerWidth]")
        assert inner == width and scroll <= inner, (width, scroll)
        assert browser.eval("document.querySelectorAll('#matrix thead th').length") == 10
        steps[width] = browser.eval("document.querySelector('.table-wrap').className")
        frame = browser.eval("(function () { var f = document.querySelector('.table-wrap');"
                             " return [f.scrollWidth, f.clientWidth]; })()")
        if "scroll" in steps[width]:  # the table scrolls in its frame, the names stay
            assert frame[0] > frame[1]
            assert browser.eval("getComputedStyle(document.querySelector('#matrix tbody th'))"
                                ".position") == "sticky"
        else:
            assert frame[0] <= frame[1] + 1
    assert steps[390] == "table-wrap wrap tight compact scroll"
    assert "compact" not in steps[1400]


def test_usable_on_a_390_px_phone(browser: Browser, page_url: str) -> None:
    browser.viewport(390, 844, mobile=True)
    load(browser, page_url)
    scroll, inner = browser.eval("[document.documentElement.scrollWidth, innerWidth]")
    assert inner == 390 and scroll <= 390
    # the four capability columns are on screen, each cell a compact mark ...
    boxes = browser.eval("Array.from(document.querySelectorAll('#matrix thead th'))"
                         ".filter(function (th) { return th.offsetParent !== null; })"
                         ".map(function (th) { var r = th.getBoundingClientRect();"
                         " return [th.dataset.key, r.left, r.right]; })")
    assert [b[0] for b in boxes] == ["name", "retl", "json_mapper", "vdm_v1", "vdm_v2"]
    assert all(0 <= left and right <= 390 for _, left, right in boxes)
    # ... whose label is still there for screen readers, but takes no room
    label = browser.eval("(function () { var l = document.querySelector("
                         "'tr[data-folder=\"gamma_record\"] td[data-cap=\"retl\"] .lbl');"
                         " var r = l.getBoundingClientRect();"
                         " return [l.textContent, r.width <= 1, l.offsetParent !== null]; })()")
    assert label == ["Supported", True, True]
    # the name column sticks; mode and sync columns moved into the details
    assert browser.eval("getComputedStyle(document.querySelector('#matrix tbody th'))"
                        ".position") == "sticky"
    assert browser.eval("getComputedStyle(document.querySelector('#matrix td.c-sync'))"
                        ".display") == "none"
    # the state chips fold away on a phone (the table comes first); the search stays
    assert browser.eval("document.getElementById('filters').open") is False
    assert browser.eval("document.getElementById('q').offsetParent !== null") is True
    # and the details panel fits the phone
    browser.click('tr[data-folder="omega_long"] .open')
    browser.wait_for("document.getElementById('details').open")
    width = browser.eval("document.getElementById('details').getBoundingClientRect().width")
    assert width <= 390
    assert browser.eval("document.getElementById('details').scrollWidth") <= 390


# --- filters -----------------------------------------------------------------------

CHIPS = {
    ("retl", "supported"): ["script_inject", "alpha_retl", "beta_vdm", "epsilon_declared",
                            "gamma_record", "omega_long"],
    ("retl", "not-supported"): ["delta_plain", "zeta_escape"],
    ("retl", "partial"): [],
    ("json_mapper", "supported"): ["alpha_retl", "epsilon_declared", "gamma_record",
                                   "omega_long"],
    ("json_mapper", "not-supported"): ["script_inject", "beta_vdm"],
    ("json_mapper", "not-applicable"): ["delta_plain", "zeta_escape"],
    ("vdm_v1", "supported"): ["beta_vdm", "gamma_record", "omega_long"],
    ("vdm_v2", "supported"): ["gamma_record"],
    ("vdm_v2", "partial"): ["delta_plain", "epsilon_declared"],
    ("vdm_v2", "unknown"): ["omega_long"],
    ("vdm_v2", "not-supported"): ["script_inject", "alpha_retl", "beta_vdm", "zeta_escape"],
}


@pytest.mark.parametrize(("capability", "group"), list(CHIPS))
def test_each_state_chip_shows_its_rows(page: Browser, capability: str, group: str) -> None:
    expected = CHIPS[(capability, group)]
    assert page.eval(f"document.querySelector({json.dumps(chip(capability, group))})"
                     ".querySelector('.n').textContent") == str(len(expected))
    page.click(chip(capability, group))
    page.wait_for(f"{COUNT} === '{len(expected)} of 8 destinations shown'")
    assert shown(page) == expected
    assert page.eval("document.getElementById('empty').offsetParent !== null") is (
        not expected)
    page.click(chip(capability, group))  # a second click releases the chip
    page.wait_for(f"{COUNT} === '8 of 8 destinations shown'")
    assert shown(page) == ALL


def test_chip_counts_agree_with_the_matrix(page: Browser) -> None:
    matrix = build(run_audit([MATRIX, EXTRA], TRANSFORMER).reports)
    counts = page.eval("Array.from(document.querySelectorAll('.chip')).map(function (c) {"
                       " return [c.dataset.cap, c.dataset.group,"
                       " Number(c.querySelector('.n').textContent)]; })")
    assert counts
    for capability, group, n in counts:
        assert n == sum(group_of(r.cell(capability).state) == group for r in matrix.rows)
    # every state that occurs has a chip
    present = {(c.id, group_of(r.cell(c.id).state)) for r in matrix.rows for c in matrix.columns}
    assert present <= {(c, g) for c, g, _ in counts}


def test_chips_or_within_a_capability_and_across_capabilities(page: Browser) -> None:
    page.click(chip("vdm_v2", "supported"))
    page.click(chip("vdm_v2", "partial"))  # OR: supported or partial
    page.wait_for(f"{COUNT} === '3 of 8 destinations shown'")
    assert shown(page) == ["delta_plain", "epsilon_declared", "gamma_record"]
    # the other chips now count within that selection
    assert page.eval(f"document.querySelector({json.dumps(chip('retl', 'supported'))})"
                     ".querySelector('.n').textContent") == "2"
    page.click(chip("retl", "supported"))  # AND across capabilities
    page.wait_for(f"{COUNT} === '2 of 8 destinations shown'")
    assert shown(page) == ["epsilon_declared", "gamma_record"]
    page.type_into("#q", "gam")  # AND with the name search
    page.wait_for(f"{COUNT} === '1 of 8 destinations shown'")
    assert shown(page) == ["gamma_record"]
    page.click("#filters + * [data-clear], .status [data-clear]")
    page.wait_for(f"{COUNT} === '8 of 8 destinations shown'")
    assert page.eval("document.getElementById('q').value") == ""
    assert page.eval("document.querySelectorAll('.chip[aria-pressed=\"true\"]').length") == 0


def test_name_search_matches_display_internal_and_folder_names(page: Browser) -> None:
    for text, expected in [
        ("lists", ["epsilon_declared", "zeta_escape"]),  # display names
        ("EPSILON", ["epsilon_declared"]),  # internal name (the folder differs)
        ("gamma_rec", ["gamma_record"]),  # folder / internal name
        ("sync alpha", ["alpha_retl"]),  # every word must match
        ("supported", []),  # states are chips, not words
        ("warehouse", []),
    ]:
        page.type_into("#q", text)
        page.wait_for(f"{COUNT} === '{len(expected)} of 8 destinations shown'")
        assert shown(page) == expected, text
    page.type_into("#q", "")
    page.wait_for(f"{COUNT} === '8 of 8 destinations shown'")


def test_chart_segment_filters_on_its_state(page: Browser) -> None:
    page.click('#chart rect.seg[data-cap="vdm_v1"][data-group="supported"]')
    page.wait_for(f"{COUNT} === '3 of 8 destinations shown'")
    assert page.eval(f"document.querySelector({json.dumps(chip('vdm_v1', 'supported'))})"
                     ".getAttribute('aria-pressed')") == "true"
    assert page.eval("document.querySelectorAll('#chart rect.seg.selected').length") == 1


def test_declared_chip_without_transformer(browser: Browser, tmp_path: Path) -> None:
    html = tmp_path / "m.html"
    assert main(["matrix", str(MATRIX), "--format", "html", "-o", str(html)]) == 0
    browser.viewport(1400, 900)
    load(browser, html.as_uri())
    browser.click(chip("vdm_v2", "declared"))
    browser.wait_for(f"{COUNT} === '2 of 6 destinations shown'")
    assert shown(browser) == ["epsilon_declared", "gamma_record"]


def test_an_empty_matrix_still_works(browser: Browser, tmp_path: Path) -> None:
    html = tmp_path / "empty.html"
    assert main(["matrix", str(MATRIX), "--name", "nothing*", "--format", "html",
                 "-o", str(html)]) == 0
    browser.viewport(1400, 900)
    browser.console_errors.clear()
    load(browser, html.as_uri() + "#retl=supported&open=alpha_retl")
    assert browser.eval(COUNT) == "0 of 0 destinations shown"
    assert browser.eval("document.getElementById('empty').offsetParent !== null") is True
    assert browser.eval("document.getElementById('details').open") is False
    browser.click(header("retl"))
    assert browser.console_errors == []


# --- sorting -----------------------------------------------------------------------

def aria_sort(page: Browser, key: str) -> str:
    value: str = page.eval(f"document.querySelector('#matrix thead th[data-key=\"{key}\"]')"
                           ".getAttribute('aria-sort')")
    return value


def test_clicking_headers_sorts_and_reverses(page: Browser) -> None:
    page.click(header("name"))
    assert shown(page) == ALL and aria_sort(page, "name") == "ascending"
    page.click(header("name"))
    assert shown(page) == list(reversed(ALL)) and aria_sort(page, "name") == "descending"
    page.click(header("vdm_v1"))  # supported first, ties keep the matrix order
    assert aria_sort(page, "vdm_v1") == "ascending" and aria_sort(page, "name") == "none"
    assert shown(page) == ["beta_vdm", "gamma_record", "omega_long", "script_inject",
                           "alpha_retl", "delta_plain", "epsilon_declared", "zeta_escape"]
    page.click(header("vdm_v1"))  # the second click is the exact reverse
    assert shown(page) == ["zeta_escape", "epsilon_declared", "delta_plain", "alpha_retl",
                           "script_inject", "omega_long", "gamma_record", "beta_vdm"]
    page.click(header("vdm_v2"))  # supported, partial (declared / code), unknown, not
    assert shown(page) == ["gamma_record", "epsilon_declared", "delta_plain", "script_inject",
                           "alpha_retl", "beta_vdm", "zeta_escape", "omega_long"]
    page.click(header("sync"))  # by text: no behaviours first ("<b>upsert</b>" < "mirror")
    assert shown(page)[-4:] == ["script_inject", "gamma_record", "beta_vdm", "omega_long"]


def test_sorting_keeps_the_filter(page: Browser) -> None:
    page.click(chip("retl", "supported"))
    page.click(header("name"))
    page.click(header("name"))
    assert shown(page) == ["omega_long", "gamma_record", "epsilon_declared", "beta_vdm",
                           "alpha_retl", "script_inject"]
    page.type_into("#q", "sync")
    page.wait_for(f"{COUNT} === '2 of 8 destinations shown'")
    assert shown(page) == ["omega_long", "alpha_retl"]


# --- URL state ---------------------------------------------------------------------

def test_url_state_round_trips(page: Browser, page_url: str) -> None:
    page.click(chip("retl", "supported"))
    page.click(chip("vdm_v2", "partial"))
    page.click(chip("vdm_v2", "supported"))
    page.type_into("#q", "a")
    page.click(header("vdm_v2"))
    page.click(header("vdm_v2"))
    page.click('tr[data-folder="gamma_record"] .open')
    page.wait_for("document.getElementById('details').open")
    fragment = page.eval("location.hash")
    assert fragment == ("#q=a&retl=supported&vdm_v2=supported%2Cpartial&sort=vdm_v2&desc=1"
                        "&open=gamma_record")
    rows, pressed = shown(page), page.eval(
        "Array.from(document.querySelectorAll('.chip[aria-pressed=\"true\"]'))"
        ".map(function (c) { return c.dataset.cap + '=' + c.dataset.group; })")
    assert rows == ["epsilon_declared", "gamma_record"]
    # a fresh page on that address shows the same view
    load(page, page_url + fragment)
    assert shown(page) == rows
    assert page.eval("Array.from(document.querySelectorAll('.chip[aria-pressed=\"true\"]'))"
                     ".map(function (c) { return c.dataset.cap + '=' + c.dataset.group; })"
                     ) == pressed
    assert page.eval("document.getElementById('q').value") == "a"
    assert aria_sort(page, "vdm_v2") == "descending"
    assert page.eval("document.getElementById('details').open") is True
    assert page.eval("document.getElementById('d-title').textContent") == "Gamma Audience"
    # closing the details drops it from the address; clearing drops the rest
    page.key("Escape", 27)
    page.wait_for("!document.getElementById('details').open && "
                  "location.hash.indexOf('open=') === -1")
    page.click(".status [data-clear]")
    page.wait_for("location.hash === '#sort=vdm_v2&desc=1'")


def test_hand_written_fragment_and_hash_change(page: Browser, page_url: str) -> None:
    load(page, page_url + "#json-mapper=not-applicable,bogus&sort=nope")
    assert shown(page) == ["delta_plain", "zeta_escape"]  # json-mapper spelling accepted
    assert aria_sort(page, "name") == "none"  # unknown sort key ignored
    page.eval("location.hash = 'vdm_v1=supported'")
    page.wait_for(f"{COUNT} === '3 of 8 destinations shown'")


# --- details -----------------------------------------------------------------------

def test_a_row_opens_its_details(page: Browser) -> None:
    reports = run_audit([MATRIX, EXTRA], TRANSFORMER).reports
    report = next(r for r in reports if r.destination == "omega_long")
    row = next(r for r in build(reports).rows if r.folder == "omega_long")
    page.click('tr[data-folder="omega_long"] td[data-cap="vdm_v1"]')  # anywhere on the row
    page.wait_for("document.getElementById('details').open")
    assert page.eval("document.getElementById('d-title').textContent") == report.display_name
    verdicts = page.eval(
        "Array.from(document.querySelectorAll('#d-body .verdicts > li')).map(function (li) {"
        " return [li.dataset.cap, li.querySelector('.v-label').textContent,"
        " li.querySelector('.reason').textContent,"
        " Array.from(li.querySelectorAll('.evidence .loc')).map(function (l) {"
        " return l.textContent; })]; })")
    assert [v[0] for v in verdicts] == ["retl", "json_mapper", "vdm_v1", "vdm_v2"]
    for (capability, label, reason, locations), verdict in zip(
            verdicts, report.verdicts, strict=True):
        assert capability == verdict.capability
        assert label == row.cell(capability).label
        assert reason == verdict.message.replace("`", "")
        expected = [
            f"db-config.json:{e.location.line}:{e.location.column} \u00b7 JSON pointer "
            f"{e.location.pointer}"
            for e in verdict.evidence
            if e.location is not None and e.location.file.endswith("db-config.json")
        ]
        assert expected and all(x in locations for x in expected), (capability, locations)
    assert verdicts[3][1] == "Unknown"
    # the warehouse connection: modes, sync behaviours, every setting with its flags
    settings = page.eval(
        "Array.from(document.querySelectorAll('#d-body .settings tbody tr')).map(function (tr) {"
        " return [tr.querySelector('code').textContent, tr.cells[1].textContent,"
        " Array.from(tr.querySelectorAll('.flag')).map(function (f) {"
        " return f.textContent; }).join(' '), tr.querySelector('.loc').textContent]; })")
    assert settings[1] == ["developerToken", "defaultConfig", "required secret",
                           settings[1][3]]
    assert settings[1][3] == ("db-config.json:28:9 \u00b7 JSON pointer "
                              "/config/destConfig/defaultConfig/1")
    assert report.connection_config is not None
    assert [s[0] for s in settings] == [s.key for s in report.connection_config.settings]
    assert page.eval("Array.from(document.querySelectorAll('#d-body .kv .tag'))"
                     ".map(function (t) { return t.textContent; })") == [
        "cloud", "device", "mirror", "upsert", "full_refresh_with_deletes"]
    assert page.eval("document.querySelector('#d-body .d-report')") is None  # no docs
    # the row stays marked; the close button and a backdrop click close the panel
    assert page.eval("document.querySelector('tr.current').dataset.folder") == "omega_long"
    page.click("#d-close")
    page.wait_for("!document.getElementById('details').open")
    # keyboard: the name is a button
    page.eval("document.querySelector('tr[data-folder=\"delta_plain\"] .open').focus()")
    page.key("Enter", 13)
    page.wait_for("document.getElementById('details').open")
    assert page.eval("document.querySelector('#d-body').textContent").count(
        "No warehouse (RETL) connection") == 1
    page.send("Input.dispatchMouseEvent", type="mousePressed", x=20, y=400, button="left",
              clickCount=1)
    page.send("Input.dispatchMouseEvent", type="mouseReleased", x=20, y=400, button="left",
              clickCount=1)
    page.wait_for("!document.getElementById('details').open")
    assert page.eval("document.activeElement.closest('tr').dataset.folder") == "delta_plain"


def test_details_link_the_generated_report(browser: Browser, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    assert main(["docs", str(MATRIX), "--out", str(docs)]) == 0
    html = docs / "matrix.html"
    assert main(["matrix", str(MATRIX), "--format", "html", "-o", str(html)]) == 0
    browser.viewport(1400, 900)
    load(browser, html.as_uri() + "#open=beta_vdm")
    href = browser.eval("document.querySelector('#d-body .d-report a').href")
    assert href == (docs / "beta_vdm" / "retl.md").as_uri()
    assert Path(href.removeprefix("file://")).is_file()


# --- safety ------------------------------------------------------------------------

def test_no_request_leaves_the_page(page: Browser, page_url: str) -> None:
    # open every row's details (one has a label with a remote <img>), filter and sort
    for folder in ALL:
        page.click(f'tr[data-folder="{folder}"] .open')
        page.wait_for("document.getElementById('details').open")
        page.key("Escape", 27)
        page.wait_for("!document.getElementById('details').open")
    page.click(chip("retl", "supported"))
    page.click(header("vdm_v2"))
    page.type_into("#q", "o")
    assert page.requests and all(u.split("#")[0] == page_url for u in page.requests)
    assert page.console_errors == []
    # the Content-Security-Policy would stop a load even if markup got through
    violated = page.eval(
        "new Promise(function (done) {"
        " document.addEventListener('securitypolicyviolation', function (e) {"
        " done(e.effectiveDirective); });"
        " var img = document.createElement('img'); img.src = 'https://example.invalid/p.png';"
        " document.body.appendChild(img); })", await_promise=True)
    assert violated == "img-src"


def test_markup_in_names_is_text(page: Browser) -> None:
    assert page.eval("document.title") == "Support matrix"
    assert page.eval("document.querySelectorAll('img, script:not([id])').length") == 1
    assert page.eval("document.querySelector('tr[data-folder=\"script_inject\"] .open')"
                     ".textContent") == INJECT
    assert page.eval("document.querySelector('tr[data-folder=\"zeta_escape\"] .open')"
                     ".textContent") == 'Zeta <b>Lists</b> & "Co" | Ltd'
    page.click('tr[data-folder="script_inject"] .open')
    page.wait_for("document.getElementById('details').open")
    assert page.eval("document.getElementById('d-title').textContent") == INJECT
    label = page.eval("document.querySelector('#d-body .settings .s-label').textContent")
    assert label == '<img src="https://example.invalid/pixel.png"> API key `</script>`'
    assert page.eval("document.querySelectorAll('#details img, #details b').length") == 0
    assert page.eval("document.title") == "Support matrix"


@pytest.mark.skipif(not os.environ.get("CAPCHECK_CORPUS"), reason="CAPCHECK_CORPUS is not set")
def test_real_corpus_fits_laptop_and_phone(browser: Browser, tmp_path: Path) -> None:
    html = tmp_path / "corpus.html"
    main(["matrix", os.environ["CAPCHECK_CORPUS"], "--format", "html", "-o", str(html)])
    for width, height, mobile in ((1400, 900, False), (1366, 768, False), (390, 844, True)):
        browser.viewport(width, height, mobile)
        load(browser, html.as_uri())
        scroll, inner = browser.eval("[document.documentElement.scrollWidth, innerWidth]")
        assert inner == width and scroll <= width, (width, scroll)
    assert browser.requests and all(u == html.as_uri() for u in browser.requests)
