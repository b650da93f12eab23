"""The scan's outputs: JSON, CSV and a self-contained HTML report with inline SVG charts.

The HTML needs no script and no network: a strip chart of the bids of each flagged process (the
winner, or presumed winner, in green; bids named by a flag in red) and a drawing of the
co-bidding and shared-evidence network (networkx's spring layout on the aggregated edges).
Everything printed is escaped.
"""

from __future__ import annotations

import csv
import io
import json
import math
from html import escape
from typing import Any

import networkx as nx
import polars as pl

from sunbid.risk.indicators import SEVERITY_RANK, Flag
from sunbid.risk.scan import ScanResult, chart_tenders

SEVERITY_COLOUR = {"high": "#b3261e", "medium": "#c77700", "low": "#5f6b7a"}


def to_json(result: ScanResult) -> str:
    flags = [
        {
            **{k: v for k, v in f.__dict__.items() if k != "severity"},
            "severity": str(f.severity),
            "subject_ids": list(f.subject_ids),
        }
        for f in Flag.all(result.flags)
    ]
    doc = {
        "summary": result.summary(),
        "flags": flags,
        "skips": result.skips.to_dicts(),
        "scores": result.scores.to_dicts(),
        "groups": result.groups,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1, default=str)


def to_csv(frame: pl.DataFrame) -> str:
    """CSV of a flag, skip or score frame; list columns joined with ``;``."""
    flat = frame.with_columns(
        pl.col(c).cast(pl.List(pl.String)).list.join(";") for c, t in frame.schema.items() if isinstance(t, pl.List)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(flat.columns)
    writer.writerows(flat.iter_rows())
    return buffer.getvalue()


# ---------------------------------------------------------------------------- charts
def strip_chart(process: str, bids: pl.DataFrame, marked: set[str], width: int = 640) -> str:
    """The bids of one process on a horizontal price axis, one row per bidder."""
    rows = bids.filter(pl.col("amount").is_not_null()).sort("amount")
    if rows.height == 0:
        return ""
    lo, hi = float(rows["amount"].min()), float(rows["amount"].max())  # type: ignore[arg-type]
    span = hi - lo or max(abs(hi), 1.0) * 0.01
    left, right, row_h = 170, width - 20, 16
    height = 30 + row_h * rows.height

    def x(v: float) -> float:
        return left + (v - lo) / span * (right - left)

    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="bids of {escape(process)}" class="strip">',
        f'<line x1="{left}" y1="{height - 18}" x2="{right}" y2="{height - 18}" stroke="#999"/>',
        f'<text x="{left}" y="{height - 4}" font-size="10">{lo:,.2f}</text>',
        f'<text x="{right}" y="{height - 4}" font-size="10" text-anchor="end">{hi:,.2f}</text>',
    ]
    for i, r in enumerate(rows.iter_rows(named=True)):
        y = 12 + i * row_h
        colour = (
            "#1b7f3b"
            if r["winner"]
            else ("#b3261e" if r["bid_id"] in marked or r["bidder_id"] in marked else "#3a5a8c")
        )
        label = escape(str(r["bidder_id"])[:26])
        parts.append(f'<text x="{left - 6}" y="{y + 4}" font-size="10" text-anchor="end">{label}</text>')
        parts.append(
            f'<circle cx="{x(float(r["amount"])):.1f}" cy="{y}" r="5" fill="{colour}">'
            f"<title>{label}: {float(r['amount']):,.2f} {escape(str(r['currency'] or ''))}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def network_chart(edges: pl.DataFrame, groups: list[list[str]], width: int = 720, height: int = 520) -> str:
    if edges.height == 0:
        return "<p>No unusual co-bidding or shared evidence between bidders. 没有异常的共同投标或共享证据。</p>"
    graph: nx.Graph[str] = nx.Graph()
    kinds: dict[tuple[str, str], set[str]] = {}
    for a, b, kind in edges.iter_rows():
        graph.add_edge(a, b)
        kinds.setdefault((min(a, b), max(a, b)), set()).add(kind)
    pos = nx.spring_layout(graph, seed=2026)
    in_group = {m: i for i, g in enumerate(groups) for m in g}

    def at(node: str) -> tuple[float, float]:
        px, py = pos[node]
        return 40 + (float(px) + 1) / 2 * (width - 80), 30 + (float(py) + 1) / 2 * (height - 60)

    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" class="network">']
    for (a, b), ks in sorted(kinds.items()):
        (x1, y1), (x2, y2) = at(a), at(b)
        evidence = any(k != "NET-PAIR" for k in ks)
        colour = "#b3261e" if evidence else "#7a869a"
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
            f'stroke-width="{2 if evidence else 1}"><title>{escape(", ".join(sorted(ks)))}</title></line>'
        )
    palette = ["#3a5a8c", "#1b7f3b", "#8c3a7a", "#c77700", "#2a8c8c", "#6b4c9a"]
    for node in sorted(graph.nodes):
        cx, cy = at(node)
        g = in_group.get(node)
        colour = palette[g % len(palette)] if g is not None else "#999"
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="{colour}"><title>{escape(node)}</title></circle>'
        )
        parts.append(f'<text x="{cx + 8:.1f}" y="{cy + 3:.1f}" font-size="9">{escape(node[:20])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _evidence_html(evidence: dict[str, Any]) -> str:
    items = []
    for k, v in evidence.items():
        text = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
        if len(text) > 400:
            text = text[:400] + "…"
        items.append(f"<b>{escape(k)}</b>: {escape(text)}")
    return "<br>".join(items)


def to_html(result: ScanResult, title: str = "sunbid risk scan") -> str:
    summary = result.summary()
    flags = Flag.all(result.flags)
    flags.sort(key=lambda f: (SEVERITY_RANK[str(f.severity)], f.indicator, f.tender_id or "", f.flag_id))
    marked_by_process: dict[str, set[str]] = {}
    for f in flags:
        process = f.section_id or f.tender_id
        if process and str(f.severity) != "low":
            marked_by_process.setdefault(process, set()).update(f.subject_ids)
    charts = []
    for process in chart_tenders(result):
        bids = result.bids.filter(pl.col("process_id") == process)
        svg = strip_chart(process, bids, marked_by_process.get(process, set()))
        if svg:
            names = sorted({f.indicator for f in flags if (f.section_id or f.tender_id) == process})
            charts.append(
                f"<figure><figcaption>{escape(process)} — {escape(', '.join(names))}</figcaption>{svg}</figure>"
            )
    counts = "".join(
        f"<tr><td>{escape(r['indicator'])}</td><td style='color:{SEVERITY_COLOUR.get(r['severity'], '#000')}'>"
        f"{escape(r['severity'])}</td><td>{r['count']}</td></tr>"
        for r in summary["flags_by_indicator"]
    )
    skips = "".join(
        f"<tr><td>{escape(reason)}</td><td>{n}</td></tr>" for reason, n in summary["skips_by_reason"].items()
    )
    rows = "".join(
        f"<tr><td style='color:{SEVERITY_COLOUR[str(f.severity)]}'>{escape(str(f.severity))}</td>"
        f"<td>{escape(f.indicator)}<br><small>{escape(f.title_zh)}<br>{escape(f.title_en)}</small></td>"
        f"<td>{escape(f.tender_id or '')}<br><small>{escape(f.section_id or '')}</small></td>"
        f"<td>{escape(', '.join(f.subject_ids[:8]))}{'…' if len(f.subject_ids) > 8 else ''}</td>"
        f"<td>{'' if f.value is None or (isinstance(f.value, float) and math.isnan(f.value)) else f'{f.value:.4g}'}</td>"
        f"<td class='ev'>{_evidence_html(f.evidence)}</td><td><small>{escape(f.basis)}</small></td></tr>"
        for f in flags[:2000]
    )
    more = f"<p>{len(flags) - 2000} more flags are in the JSON and CSV files.</p>" if len(flags) > 2000 else ""
    facts = "".join(
        f"<li>{escape(k)}: {escape(str(v))}</li>"
        for k, v in summary.items()
        if k not in ("flags_by_indicator", "skips_by_reason", "flags_by_severity")
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:24px;color:#1d232b}}
table{{border-collapse:collapse;margin:8px 0}} td,th{{border:1px solid #d0d5dc;padding:4px 6px;vertical-align:top;font-size:13px}}
th{{background:#eef1f5}} td.ev{{max-width:520px;word-break:break-all}} figure{{display:inline-block;margin:8px}}
figcaption{{font-size:12px;color:#444}}
</style></head><body>
<h1>{escape(title)} 风险扫描报告</h1>
<ul>{facts}</ul>
<h2>Flags by indicator 按指标统计</h2><table><tr><th>indicator</th><th>severity</th><th>flags</th></tr>{counts}</table>
<h2>What was skipped, and why 跳过的内容及原因</h2><table><tr><th>reason</th><th>items</th></tr>{skips}</table>
<h2>Co-bidding network 共同投标与共享证据网络</h2>
<p>Grey: bidders who bid together unusually often (NET-PAIR); red: shared statutory evidence. Colours of the nodes: groups (NET-GROUP).</p>
{network_chart(result.edges, result.groups)}
<h2>Bids of the flagged processes 被标记项目的投标分布</h2>
<p>Green: the winner (or the lowest valid bid where no award is recorded); red: bids named by a medium or high flag.</p>
{"".join(charts) or "<p>No flagged process with priced bids.</p>"}
<h2>Flags 风险提示</h2>
<table><tr><th>severity</th><th>indicator</th><th>tender / section</th><th>subjects</th><th>value</th><th>evidence</th><th>basis</th></tr>{rows}</table>
{more}
</body></html>
"""
