"""Charts as inline SVG (matplotlib, no pyplot): text stays text, ids are deterministic and unique per chart,
and every bar carries its value, so the report reads without hovering and opens offline."""

from __future__ import annotations

import functools
import io
import re
import textwrap
from typing import Callable, Mapping, Sequence

import matplotlib
from markupsafe import Markup
from matplotlib.figure import Figure

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
GREY = "#888888"
_RC = {"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}


def _styled(chart: Callable[..., Markup]) -> Callable[..., Markup]:
    """Draw under the report's matplotlib settings (they apply when artists are created, not when saved)."""
    @functools.wraps(chart)
    def draw(*args, **kwargs) -> Markup:
        with matplotlib.rc_context(_RC):
            return chart(*args, **kwargs)
    return draw


def colors_for(names: Sequence[str]) -> dict[str, str]:
    """One stable colour per name (a variant keeps its colour across every chart)."""
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}


def plain(text: str) -> str:
    """Label text as matplotlib should print it: a `$` would otherwise start math mode."""
    return text.replace("$", r"\$")


@_styled
def bar_chart(chart_id: str, groups: Sequence[str], series: Mapping[str, Sequence[dict | None]], *,
              ylabel: str, colors: Mapping[str, str], percent: bool = True, title: str = "") -> Markup:
    """Grouped bars on a 0-1 scale: one group per entry of `groups`, one bar per series, 95 % CI whiskers,
    value labels. `series[name][i]` is the `{value, low, high, n}` of group i, or None (drawn as "n/a")."""
    n_series, n_groups = max(len(series), 1), max(len(groups), 1)
    width = 0.8 / n_series
    fig = Figure(figsize=(min(12.0, max(5.5, 1.2 + 0.38 * n_groups * n_series + 0.3 * n_groups)), 3.4))
    ax = fig.add_subplot()
    scale = 100.0 if percent else 1.0
    crowded = n_groups * n_series > 24
    for s, (name, estimates) in enumerate(series.items()):
        labelled = False
        for g, est in enumerate(estimates):
            x = g - 0.4 + width * (s + 0.5)
            if est is None or est.get("value") is None:
                ax.text(x, 0, "n/a", ha="center", va="bottom", fontsize=7, color=GREY, rotation=90)
                continue
            value = est["value"] * scale
            ax.bar(x, value, width * 0.92, color=colors[name], label=None if labelled else plain(name))
            labelled = True
            top = value
            if est.get("low") is not None and est.get("high") is not None:
                top = est["high"] * scale
                ax.errorbar(x, value, yerr=[[value - est["low"] * scale], [top - value]], fmt="none",
                            ecolor="#333333", elinewidth=0.8, capsize=2)
            ax.annotate(f"{value:.0f}" if percent else f"{value:.2f}", (x, top), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=7,
                        rotation=90 if crowded else 0)
    ax.set_xticks(range(len(groups)), [plain(g) if n_groups > 6 else textwrap.fill(plain(g), 18) for g in groups],
                  rotation=20 if n_groups > 6 else 0, ha="right" if n_groups > 6 else "center")
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.set_ylim(0, scale * (1.3 if crowded else 1.15))
    ax.set_yticks([scale * t / 4 for t in range(5)])
    ax.set_ylabel(plain(ylabel))
    if title:
        ax.set_title(plain(title), fontsize=10)
    if series:
        ax.legend(fontsize=8, frameon=False, ncols=min(len(series), 6), loc="lower left", bbox_to_anchor=(0, 1.0))
    return to_svg(fig, chart_id)


@_styled
def scatter_chart(chart_id: str, points: Sequence[tuple[str, float, dict]], *, xlabel: str, ylabel: str,
                  colors: Mapping[str, str]) -> Markup:
    """Labelled points (name, x, y-estimate) with 95 % CI whiskers on y, y as a percentage."""
    fig = Figure(figsize=(6.5, 3.8))
    ax = fig.add_subplot()
    for i, (name, x, est) in enumerate(points):
        y = est["value"] * 100
        ax.errorbar(x, y, yerr=[[y - est["low"] * 100], [est["high"] * 100 - y]], fmt="o", color=colors[name],
                    ecolor=colors[name], elinewidth=0.8, capsize=3, markersize=6)
        ax.annotate(plain(name), (x, y), xytext=(6, 4 if i % 2 == 0 else -12), textcoords="offset points",
                    fontsize=8)  # alternate above and below: neighbours at the same accuracy stay readable
    xs = [x for _, x, _ in points]
    ax.set_xlim(0, max(xs) * 1.35 if xs else 1)
    ax.set_ylim(-4, 108)
    ax.set_xlabel(plain(xlabel))
    ax.set_ylabel(plain(ylabel))
    ax.grid(alpha=0.3)
    return to_svg(fig, chart_id)


@_styled
def cost_chart(chart_id: str, lines: Mapping[str, tuple[Sequence[float], Sequence[float]]],
               marks: Sequence[tuple[float, float, str]], *, volume: float | None, colors: Mapping[str, str]) -> Markup:
    """Monthly cost against queries/day on log-log axes; break-even points as numbered dots."""
    fig = Figure(figsize=(7.5, 4.0))
    ax = fig.add_subplot()
    for name, (xs, ys) in lines.items():
        ax.plot(xs, ys, color=colors[name], label=plain(name), linewidth=1.6)
    for x, y, label in marks:
        ax.plot([x], [y], "o", color="black", markersize=4)
        ax.annotate(label, (x, y), xytext=(3, -10), textcoords="offset points", fontsize=7)
    if volume:
        ax.axvline(volume, color=GREY, linestyle="--", linewidth=0.8)
        ax.annotate(f"your volume: {volume:,.0f}/day", (volume, 1), xycoords=("data", "axes fraction"),
                    xytext=(3, -10), textcoords="offset points", fontsize=7, color=GREY)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("queries per day")
    ax.set_ylabel("US$ per month")
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    return to_svg(fig, chart_id)


def to_svg(fig: Figure, chart_id: str) -> Markup:
    """The figure as an `<svg>` element for inlining: no XML prolog, no namespace URLs, ids unique to this chart."""
    fig.set_layout_engine("constrained")
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": chart_id}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg, count=2)
    referenced = set(re.findall(r'#([\w.-]+)', svg))
    svg = re.sub(r' id="([^"]+)"', lambda m: m.group(0) if m.group(1) in referenced else "", svg)
    svg = re.sub(r"\n\s*", "\n", svg)  # matplotlib indents every element; a quarter of the bytes
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{chart_id}" ', 1))
