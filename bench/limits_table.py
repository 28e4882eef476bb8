#!/usr/bin/env python3
"""The cases that miss their targets, each with its dispatches' profile (registers, occupancy,
grid) as vknorm-bench measured them: the "what limits it" table of issues 9 and 11.

usage: limits_table.py [--sweep VKNORM_SWEEP_JSON[.gz] TORCH_SWEEP_JSON]
                       [--kernelbench COMPARE_JSON] --md OUT.md

Targets, as the issues state them:
- sweep (issue 9): a case moving >= 256 MB reaches 90% of the copy roofline and beats
  torch.compile; a case moving < 8 MB takes <= 6 us and is no slower than torch eager; the
  others are judged against the best PyTorch time alone.
- KernelBench (issues 9 and 11): each case beats torch.compile and meets its own bound
  (KERNELBENCH_TARGETS below).
"""
import argparse
import gzip
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep_table import merge  # noqa: E402

MB = 1e6
# case -> (bound in ms, or None; minimum % of the copy roofline, or None)
KERNELBENCH_TARGETS = {
    "kb33_batch_norm": (2.9, None),
    "kb34_instance_norm": (4.5, None),
    "kb35_group_norm": (4.5, None),
    "kb36_rms_norm": (None, 96.0),
    "kb37_frobenius_norm": (5.3, None),
    "kb38_l1_norm": (4.4, None),
    "kb39_l2_norm": (4.4, None),
    "kb40_layer_norm_fwd": (0.20, None),
    "kb40_layer_norm_fwd_bwd": (0.50, None),
}


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return json.load(f)


def profile_lines(case):
    out = []
    for d in case.get("dispatches", []):
        g = d.get("groups", [1, 1, 1])
        regs = d.get("registers", -1)
        out.append("`{}` grid {}x{}x{} of {}, {} registers, {}".format(
            d.get("kernel", "?"), g[0], g[1], g[2], d.get("workgroup_size", "?"),
            regs if regs is not None and regs >= 0 else "n/a", d.get("occupancy_text", "occupancy n/a")))
    return out


def sweep_misses(vk, th):
    cases = {c["name"]: c for c in vk.get("cases", [])}
    rows = []
    for r in merge(vk, th):
        c = cases.get(r["name"], {})
        if not c.get("ran") or r.get("vk_ms") is None:
            continue
        nbytes = c.get("bytes", 0)
        why = []
        if nbytes >= 256 * MB:
            if (r.get("vk_pct") or 0) < 90:
                why.append("{:.0f}% of the roofline < 90%".format(r.get("vk_pct") or 0))
            if r.get("compile_ms") and r["vk_ms"] >= r["compile_ms"]:
                why.append("slower than torch.compile ({:.1f} us)".format(r["compile_ms"] * 1e3))
        elif nbytes < 8 * MB:
            if r["vk_ms"] > 0.006:
                why.append("{:.1f} us > 6 us".format(r["vk_ms"] * 1e3))
            if r.get("eager_ms") and r["vk_ms"] > r["eager_ms"]:
                why.append("slower than eager ({:.1f} us)".format(r["eager_ms"] * 1e3))
        if r.get("ratio") is not None and r["ratio"] > 1.0:
            why.append("{:.2f}x the best PyTorch time".format(r["ratio"]))
        if why:
            rows.append((r, c, why))
    return rows


def kernelbench_misses(cmp):
    vk = {c["name"]: c for c in cmp.get("vknorm_bench", {}).get("cases", [])}
    rows = []
    for row in cmp.get("rows", []):
        c = vk.get(row["case"], {})
        ms = row.get("vknorm")
        if ms is None:
            continue
        tc = row.get("torch.compile")
        bound, pct = KERNELBENCH_TARGETS.get(row["case"], (None, None))
        why = []
        if tc and ms >= tc:
            why.append("slower than torch.compile ({:.3f} ms)".format(tc))
        if bound is not None and ms > bound:
            why.append("{:.3f} ms > {} ms".format(ms, bound))
        if pct is not None and (row.get("vknorm_pct_roofline") or 0) < pct:
            why.append("{:.1f}% of the roofline < {}%".format(row.get("vknorm_pct_roofline") or 0, pct))
        if why:
            r = {"name": row["case"], "vk_ms": ms, "vk_pct": row.get("vknorm_pct_roofline"),
                 "compile_ms": tc, "dtype": c.get("dtype"), "shape": c.get("requested_shape")}
            rows.append((r, c, why))
    return rows


def markdown(title, rows):
    lines = ["## " + title, ""]
    if not rows:
        return lines + ["Every case meets its targets.", ""]
    lines += ["| case | vknorm | % roofline | bytes (minimal) | missed | dispatches (kernel, grid, registers, occupancy) |",
              "| --- | --- | --- | --- | --- | --- |"]
    for r, c, why in rows:
        ms = r["vk_ms"]
        t = "{:.1f} us".format(ms * 1e3) if ms < 1 else "{:.3f} ms".format(ms)
        pct = "n/a" if r.get("vk_pct") is None else "{:.0f}%".format(r["vk_pct"])
        lines.append("| {} {} | {} | {} | {:.1f} MB | {} | {} |".format(
            r["name"], r.get("dtype") or "", t, pct, c.get("bytes", 0) / MB, "; ".join(why),
            "<br>".join(profile_lines(c)) or "n/a"))
    return lines + [""]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sweep", nargs=2, metavar=("VKNORM_JSON", "TORCH_JSON"))
    p.add_argument("--kernelbench", metavar="COMPARE_JSON")
    p.add_argument("--md", required=True)
    a = p.parse_args()
    if not a.sweep and not a.kernelbench:
        p.error("give --sweep and/or --kernelbench")
    out = ["# Cases that miss their targets, with their profiles", "",
           "Written by bench/limits_table.py from the JSON of one H200 run; the targets are those",
           "of issues 9 and 11 (see the script's docstring).", ""]
    if a.kernelbench:
        cmp = load(a.kernelbench)
        out += markdown("KernelBench (" + os.path.basename(a.kernelbench) + ")", kernelbench_misses(cmp))
    if a.sweep:
        vk, th = load(a.sweep[0]), load(a.sweep[1])
        dev = vk.get("device", {}).get("name", "?")
        roof = vk.get("roofline", {}).get("gbps")
        out += ["Sweep device: {}; copy roofline {} GB/s.".format(dev, "n/a" if roof is None else "{:.0f}".format(roof)), ""]
        out += markdown("Sweep (" + os.path.basename(a.sweep[0]) + ")", sweep_misses(vk, th))
    with open(a.md, "w") as f:
        f.write("\n".join(out))
    print("wrote", a.md)


if __name__ == "__main__":
    main()
