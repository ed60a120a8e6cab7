"""The SVG charts of the dashboards (R32, issue 4 item 5), read back with an XML parser as a browser
would: well-formed, one point per known week, gaps for unknown weeks, targets where 75 % / 30 % are."""
from datetime import date, timedelta
from xml.etree import ElementTree as ET

import pytest

from sreda.stats import charts
from sreda.stats.charts import Series, Target

NS = {"svg": charts.SVG_NS}
WEEKS = [date(2025, 9, 1) + timedelta(weeks=i) for i in range(12)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def chart(values, *, targets=(Target(0.75, "цель 75 %"), Target(0.30, "цель 30 %")), **kw):
    return parse(charts.line_chart(dates=WEEKS[:len(values)], series=[Series("Педагоги", values)], targets=targets,
                                   title="Активность педагогов", **kw))


def test_r32_every_known_week_is_a_point_and_the_line_joins_them():
    root = chart([0.1 * i for i in range(1, 11)] + [0.9, 0.95])
    assert root.tag == f"{{{charts.SVG_NS}}}svg"
    assert len(root.findall(".//svg:circle[@class='pt']", NS)) == 12
    segments = root.findall(".//svg:polyline[@class='segment']", NS)
    assert len(segments) == 1 and len(segments[0].get("points").split()) == 12
    assert not root.findall(".//svg:script", NS) and "javascript" not in ET.tostring(root, encoding="unicode").lower()


def test_r32_target_lines_are_dashed_at_75_and_30_percent():
    root = chart([0.5] * 12)
    targets = root.findall(".//svg:g[@class='target']", NS)
    assert [float(t.get("data-share")) for t in targets] == [0.75, 0.30]
    for target in targets:
        line = target.find("svg:line", NS)
        assert line.get("stroke-dasharray")
        share = float(target.get("data-share"))
        assert float(line.get("y1")) == pytest.approx(charts.TOP + (1 - share) * charts.PLOT_H)
        assert line.get("y1") == line.get("y2")
    # 75 % is above 30 % on screen (smaller y), 100 % at the top of the plot, 0 % at the bottom.
    y75, y30 = (float(t.find("svg:line", NS).get("y1")) for t in targets)
    assert charts.TOP < y75 < y30 < charts.TOP + charts.PLOT_H


def test_a_point_sits_at_its_share():
    root = chart([0.75, 0.30])
    first, second = root.findall(".//svg:circle[@class='pt']", NS)
    assert float(first.get("cy")) == pytest.approx(charts.y_of(0.75))
    assert float(second.get("cy")) == pytest.approx(charts.y_of(0.30))
    assert float(first.get("cx")) == charts.LEFT and float(second.get("cx")) == charts.WIDTH - charts.RIGHT


def test_unknown_weeks_leave_gaps_not_zeros():
    values = [0.5, 0.6, None, 0.7, 0.8, None, None, 0.4, None, 0.5, 0.55, 0.6]
    root = chart(values)
    points = root.findall(".//svg:circle[@class='pt']", NS)
    assert len(points) == 8
    segments = [s.get("points").split() for s in root.findall(".//svg:polyline[@class='segment']", NS)]
    # [0,1] [3,4] [7] (a lone point: no line) [9,10,11]
    assert [len(s) for s in segments] == [2, 2, 3]
    zero_y = str(charts.y_of(0.0))
    assert all(p.split(",")[1] != zero_y for s in segments for p in s)


def test_no_data_at_all_says_so():
    root = chart([None] * 12)
    assert not root.findall(".//svg:circle", NS)
    assert root.find(".//svg:text[@class='empty']", NS).text == "Нет данных за эти недели"


def test_axis_labels_are_russian_dates_and_the_last_week_is_labelled():
    root = chart([0.5] * 12)
    labels = [t.text for t in root.findall(".//svg:g[@class='x-labels']/svg:text", NS)]
    assert labels[-1] == "17.11.2025"
    assert all(len(text) == 10 and text[2] == "." and text[5] == "." for text in labels)
    assert len(labels) <= charts.MAX_LABELS
    y_labels = [t.text for t in root.findall(".//svg:g[@class='y-labels']/svg:text", NS)]
    assert y_labels == ["0\u00a0%", "25\u00a0%", "50\u00a0%", "75\u00a0%", "100\u00a0%"]


def test_title_and_desc_make_the_chart_accessible():
    root = chart([0.5] * 11 + [0.765])
    assert root.get("role") == "img"
    assert root.find("svg:title", NS).text == "Активность педагогов"
    desc = root.find("svg:desc", NS).text
    assert "01.09.2025" in desc and "17.11.2025" in desc and "76,5\u00a0%" in desc
    tips = [c.find("svg:title", NS).text for c in root.findall(".//svg:circle[@class='pt']", NS)]
    assert tips[-1] == "Педагоги, 17.11.2025: 76,5\u00a0%"


def test_three_series_get_distinct_styles_and_a_legend_and_names_are_escaped():
    svg = charts.line_chart(
        dates=WEEKS[:3],
        series=[Series("Педагоги", [0.8, 0.7, 0.9]), Series("Обучающиеся <5–11>", [0.2, None, 0.35]),
                Series("Родители & опекуны", [0.1, 0.2, 0.3])],
        targets=[Target(0.75, "75 %")], title="Школа «Ромашка» & Ко",
    )
    root = parse(svg)
    groups = root.findall(".//svg:g[@class='series']", NS)
    assert [g.get("data-label") for g in groups] == ["Педагоги", "Обучающиеся <5–11>", "Родители & опекуны"]
    assert [len(g.findall("svg:circle", NS)) for g in groups] == [3, 2, 3]
    colours = {g.find("svg:circle", NS).get("fill") for g in groups}
    assert len(colours) == 3
    legend = [t.text for t in root.findall(".//svg:g[@class='legend']/svg:text", NS)]
    assert legend == ["Педагоги", "Обучающиеся <5–11>", "Родители & опекуны"]
    assert root.find("svg:title", NS).text == "Школа «Ромашка» & Ко"


def test_more_than_three_series_or_mismatched_lengths_are_refused():
    with pytest.raises(ValueError):
        charts.line_chart(dates=WEEKS[:1], series=[Series(str(i), [0.1]) for i in range(4)], title="x")
    with pytest.raises(ValueError):
        charts.line_chart(dates=WEEKS[:2], series=[Series("a", [0.1])], title="x")


def test_one_week_is_one_point_in_the_middle():
    root = chart([0.4])
    (point,) = root.findall(".//svg:circle[@class='pt']", NS)
    assert float(point.get("cx")) == pytest.approx(charts.LEFT + charts.PLOT_W / 2)
    assert not root.findall(".//svg:polyline", NS)


def test_share_bar_fills_to_the_share_and_marks_the_target():
    root = parse(charts.share_bar(0.5, target=0.75, label="Педагоги"))
    fill = root.find("svg:rect[@class='fill']", NS)
    assert float(fill.get("width")) == pytest.approx(0.5 * (charts.BAR_WIDTH - 2))
    assert fill.get("fill") == "#D55E00"  # below target
    tick = root.find("svg:line[@class='target']", NS)
    assert float(tick.get("x1")) == pytest.approx(1 + 0.75 * (charts.BAR_WIDTH - 2))
    assert root.find("svg:title", NS).text == "Педагоги: 50\u00a0% (цель 75\u00a0%)"
    meets = parse(charts.share_bar(0.75, target=0.75)).find("svg:rect[@class='fill']", NS)
    assert meets.get("fill") == "#009E73"  # exactly at target meets it (R32: ≥)


def test_share_bar_without_data_draws_no_fill():
    root = parse(charts.share_bar(None, target=0.3))
    assert root.find("svg:rect[@class='fill']", NS) is None
    assert root.find("svg:title", NS).text == "нет данных (цель 30\u00a0%)"


def test_format_share_is_russian():
    assert charts.format_share(0.3) == "30\u00a0%"
    assert charts.format_share(0.7654) == "76,5\u00a0%"
    assert charts.format_share(None) == "нет данных"
