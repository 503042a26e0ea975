"""The written HTML without a browser: every section, chart and table, the reasons for missing data,
escaping, no external URL, determinism and size."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from report_runs import QUESTIONS, record, write_run
from ragtune.report import write_report

SECTIONS = ("headline", "accuracy", "latency", "cost", "freshness", "retrieval", "behaviour", "forgetting",
            "questions", "manifest")
CHARTS = ("chart-accuracy", "chart-accuracy-by-tag", "chart-latency", "chart-cost", "chart-freshness",
          "chart-retrieval", "chart-behaviour")
TABLES = ("table-overview", "table-accuracy", "table-comparisons", "table-latency", "table-cost", "table-break-even",
          "table-freshness", "table-retrieval", "table-behaviour", "table-questions", "table-manifest")


def soup_of(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_full_report_has_every_section_chart_and_table(runs):
    before, after = runs
    path = write_report(before, after=after)
    assert path == before / "report.html"
    soup = soup_of(path)
    for sid in SECTIONS:
        section = soup.find("section", id=sid)
        assert section is not None and section.h2 is not None, sid
        if sid != "forgetting":  # the fixture runs have no forgetting probe
            assert section.find(class_="missing") is None, (sid, section.find(class_="missing"))
    for cid in CHARTS:
        figure = soup.find("figure", id=cid)
        assert figure is not None and "chart" in figure["class"], cid
        assert len(figure.svg.find_all("path")) > 5 and figure.figcaption.get_text(strip=True), cid
    for tid in TABLES:
        assert len(soup.find("table", id=tid).tbody.find_all("tr")) > 0, tid
    assert len(soup.find("table", id="table-questions").tbody.find_all("tr")) == len(QUESTIONS)
    assert min(len(p.get_text(strip=True)) for p in soup.find_all("p")) > 10  # prose, not a string split up
    rag = soup.find("table", id="table-freshness").tbody.find_all("tr")[1]
    freshness = [td.get_text() for td in rag("td")]
    assert freshness[:4] == ["rag", "2", "100 % (n=2)", "50 % (0–100, n=2)"]


def test_bars_carry_their_values(runs):
    soup = soup_of(write_report(runs[0]))
    labels = [t.get_text() for t in soup.find("figure", id="chart-accuracy").svg.find_all("text")]
    assert "100" in labels and "80" in labels  # rag 5/5, ft 4/5 correct: readable without hovering


def test_missing_data_is_explained_not_dropped(tmp_path):
    records = [record(*q, v, a, changed=False) for q in QUESTIONS[:3]
               for v, a in (("base", "no idea"), ("ft", "3 years"))]
    run = write_run(tmp_path / "eval-closed", records, ["base", "ft"], manifest=False)
    soup = soup_of(write_report(run))
    why = {sid: soup.find("section", id=sid).find(class_="missing") for sid in SECTIONS}
    assert "no retrieval variant in this run (variants: base, ft)" in why["retrieval"].get_text()
    assert "ragtune eval --freshness NEW_DOCS" in why["freshness"].get_text()
    assert "--forgetting" in why["forgetting"].get_text()
    assert "no manifest.json" in why["manifest"].get_text()
    assert why["accuracy"] is None and why["questions"] is None
    assert soup.find("section", id="retrieval").find("svg") is None


def test_user_text_is_escaped(tmp_path):
    q = ("x", "Is <b>bold</b> & <i>safe</i>?", ["yes"], [], ["a.md"], ["t<1>"])
    records = [record(*q, "base", "<script>alert('x')</script> yes", changed=False),
               record(*q, "rag", '<img src=x onerror="alert(1)"> no [1]', changed=False)]
    run = write_run(tmp_path / "eval-x", records, ["base", "rag"])
    rec = {"winner": "rag", "headline": "Use <rag> & be happy", "reasons": ["<script>evil()</script>"],
           "candidates": []}
    html = write_report(run, recommendation=rec).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; yes" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "Is &lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;safe&lt;/i&gt;?" in html
    assert "Use &lt;rag&gt; &amp; be happy" in html and "&lt;script&gt;evil()&lt;/script&gt;" in html
    soup = BeautifulSoup(html, "html.parser")
    assert len(soup.find_all("script")) == 1 and soup.find("img") is None and soup.find("b") is None
    assert soup.find("option", value="t<1>") is not None


def test_no_external_url(runs):
    html = write_report(runs[0], after=runs[1]).read_text(encoding="utf-8")
    assert not re.search(r"(https?:)?//[\w.-]+\.\w", html.replace("</", ""))
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all(src=True) and not soup.find_all("link")
    assert all(a["href"].startswith("#") for a in soup.find_all(href=True))
    assert set(re.findall(r"url\((.)", html)) <= {"#"}


def test_recommendation_is_the_first_section(runs):
    rec = {"winner": "rag", "decided_by": "accuracy", "headline": "Use rag: most accurate at your volume.",
           "reasons": ["(rule 4) ft needs a retrain per update.", "(rule 8) rag is best in 95 % of resamples."],
           "candidates": [{"variant": "rag", "accuracy": {"value": 1.0, "low": 1.0, "high": 1.0, "n": 5},
                           "win_share": 0.95, "monthly_usd": 1.68, "p50_s": 2.2, "excluded_by": []}]}
    soup = soup_of(write_report(runs[0], recommendation=rec))
    first = soup.find("main").find("section")
    assert first["id"] == "headline" and first.find("p", class_="lead").get_text() == rec["headline"]
    assert [li.get_text() for li in first.find_all("li")] == rec["reasons"]
    assert first.find("table", id="table-candidates").tbody.tr.td.get_text() == "rag"


def test_without_recommendation_the_headline_points_to_ragtune_recommend(runs):
    headline = soup_of(write_report(runs[0])).find("section", id="headline")
    assert headline.find("p", class_="lead").get_text().startswith("Most accurate here: rag, 100 % correct")
    assert "ragtune recommend" in headline.get_text()
    assert headline.find("table", id="table-overview") is not None


def test_freshness_run_alone_shows_after_only(runs):
    soup = soup_of(write_report(runs[1]))
    cells = [td.get_text() for td in soup.find("table", id="table-freshness").tbody.find_all("tr")[1]("td")]
    assert cells[2] == "not given" and cells[3] == "50 % (0–100, n=2)" and cells[6] == "1.50 s (index sync)"


def test_same_run_same_bytes(runs, tmp_path):
    a = write_report(runs[0], tmp_path / "a.html", after=runs[1]).read_bytes()
    b = write_report(runs[0], tmp_path / "sub" / "b.html", after=runs[1]).read_bytes()
    assert a == b


def test_150_questions_5_variants_stay_under_2_mb(tmp_path):
    variants = ["base", "rag", "ft", "ft+rag", "raft"]
    tags = ["policy", "product", "support", "company", "number", "table"]
    records = [record(f"q{i}", f"Question number {i} about product {i % 17}?", [f"{i} euros"], [], [f"d{i % 9}.md"],
                      [tags[i % 6], tags[(i + 2) % 6]], v, (f"It costs {i} euros. " if (i + j) % 3 else "No. ") * 12,
                      changed=False)
               for i in range(150) for j, v in enumerate(variants)]
    run = write_run(tmp_path / "eval-big", records, variants)
    path = write_report(run)
    assert path.stat().st_size < 2_000_000
    assert len(soup_of(path).find("table", id="table-questions").tbody.find_all("tr")) == 150
