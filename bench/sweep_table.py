#!/usr/bin/env python3
"""Merge vknorm-bench --suite sweep --json and compare_torch.py --suite sweep --json into a
markdown table (bench/zoo_table.py's: torch GPU kernel times, each side's efficiency against
its own copy of the same bytes) and a plot of % of the copy roofline per case (SVG written by
hand: the standard library suffices; a PNG too when matplotlib is importable). Each side's %
is against its own 1 GiB copy (vknorm: its copy shader; torch: its clone kernel).

usage: sweep_table.py VKNORM_JSON [TORCH_JSON] --md OUT.md --svg OUT.svg [--png OUT.png]
Either JSON may be missing or broken: its columns are then n/a.
"""
import argparse
import os
import sys
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zoo_table  # noqa: E402


def merge(vk, th):
    return zoo_table.join(vk, th)


def svg(rows, path):
    series = [("vknorm", "vk_pct", "#1f77b4"), ("eager", "eager_pct", "#ff7f0e"),
              ("compile", "compile_pct", "#2ca02c")]
    n = max(1, len(rows))
    bw, gap, left, top, h = 4, 4, 60, 30, 300
    gw = len(series) * bw + gap
    width = left + n * gw + 20
    height = top + h + 200
    ymax = max([100.0] + [r.get(k) or 0 for r in rows for _, k, _ in series])
    ymax = min(ymax, 200.0)
    el = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="10">',
          f'<rect width="{width}" height="{height}" fill="white"/>',
          f'<text x="{left}" y="16" font-size="13">% of copy roofline per case (vknorm, torch eager, torch.compile: kernel time)</text>']
    for p in range(0, int(ymax) + 1, 20):
        y = top + h - h * p / ymax
        el.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 20}" y2="{y:.1f}" stroke="#ddd"/>')
        el.append(f'<text x="{left - 6}" y="{y + 3:.1f}" text-anchor="end">{p}%</text>')
    for i, r in enumerate(rows):
        x0 = left + i * gw
        for j, (_, k, color) in enumerate(series):
            v = min(r.get(k) or 0, ymax)
            if v <= 0:
                continue
            bh = h * v / ymax
            el.append(f'<rect x="{x0 + j * bw}" y="{top + h - bh:.1f}" width="{bw}" height="{bh:.1f}" fill="{color}">'
                      f'<title>{escape(r["name"])} {k}: {v:.0f}%</title></rect>')
        lx, ly = x0 + gw / 2, top + h + 6
        el.append(f'<text x="{lx:.1f}" y="{ly:.1f}" transform="rotate(70 {lx:.1f} {ly:.1f})">{escape(r["name"][3:])}</text>')
    for j, (label, _, color) in enumerate(series):
        el.append(f'<rect x="{left + 420 + j * 80}" y="7" width="10" height="10" fill="{color}"/>'
                  f'<text x="{left + 434 + j * 80}" y="16">{label}</text>')
    el.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(el) + "\n")


def png(rows, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:
        return False
    fig, ax = plt.subplots(figsize=(max(8, len(rows) * 0.25), 5))
    xs = range(len(rows))
    for j, (label, k) in enumerate((("vknorm", "vk_pct"), ("eager", "eager_pct"), ("compile", "compile_pct"))):
        ax.bar([x + j * 0.27 for x in xs], [r.get(k) or 0 for r in rows], width=0.27, label=label)
    ax.set_xticks(list(xs))
    ax.set_xticklabels([r["name"][3:] for r in rows], rotation=90, fontsize=6)
    ax.set_ylabel("% of copy roofline")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("vknorm_json")
    p.add_argument("torch_json", nargs="?")
    p.add_argument("--md", required=True)
    p.add_argument("--svg", required=True)
    p.add_argument("--png", default=None, help="also a PNG, if matplotlib is importable")
    a = p.parse_args()
    vk, vk_err = zoo_table.load(a.vknorm_json)
    th, th_err = zoo_table.load(a.torch_json)
    if not vk and not th:
        print(f"sweep_table.py: nothing to merge ({vk_err}; {th_err})", file=sys.stderr)
        return 1
    rows = merge(vk, th)
    text = zoo_table.markdown(rows, vk, th, vk_err, th_err, "vknorm sweep vs PyTorch")
    with open(a.md, "w") as f:
        f.write(text)
    svg(rows, a.svg)
    if a.png and not png(rows, a.png):
        print("sweep_table.py: no matplotlib, PNG skipped (the SVG is there)", file=sys.stderr)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
