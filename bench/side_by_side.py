#!/usr/bin/env python3
"""Two vknorm builds side by side: per case and per operator family, the speedup of NEW over
BASE from vknorm-bench --json files written in the same lease (several runs of each side may be
given; a case's time is its best median over that side's runs, which drops one-off slow runs).

  usage: bench/side_by_side.py --base base1.json [base2.json..] --new new1.json [new2.json..]
                               [--title TEXT] > side-by-side.md
Speedup = base time / new time: above 1 the new build is faster. Only cases both sides ran.
"""
import argparse
import json
import math
import sys
from collections import defaultdict


def best_times(paths):
    best, meta = {}, {}
    for p in paths:
        with open(p) as f:
            doc = json.load(f)
        for c in doc.get("cases", []):
            if not c.get("ran"):
                continue
            ms = c["time"]["median_ms"]
            name = c["name"]
            if name not in best or ms < best[name]:
                best[name] = ms
            meta[name] = c
    return best, meta


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", nargs="+", required=True)
    ap.add_argument("--new", nargs="+", required=True)
    ap.add_argument("--title", default="vknorm: new build against base build, same lease")
    a = ap.parse_args()
    base, _ = best_times(a.base)
    new, meta = best_times(a.new)
    names = [n for n in new if n in base]
    if not names:
        sys.exit("side_by_side: no case ran on both sides")
    out = [f"# {a.title}", "",
           f"Best median GPU time per case over {len(a.base)} base and {len(a.new)} new run(s) (us); "
           "speedup = base / new (above 1: new is faster).", "",
           "| family | cases | geomean speedup | min | max |", "| --- | --- | --- | --- | --- |"]
    fam = defaultdict(list)
    for n in names:
        fam[meta[n].get("op", "?")].append(base[n] / new[n])
    for op in sorted(fam):
        s = fam[op]
        out.append(f"| {op} | {len(s)} | {geomean(s):.3f} | {min(s):.3f} | {max(s):.3f} |")
    allv = [base[n] / new[n] for n in names]
    out.append(f"| all | {len(allv)} | {geomean(allv):.3f} | {min(allv):.3f} | {max(allv):.3f} |")
    out += ["", "| case | op | dtype | shape | base us | new us | speedup |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for n in names:
        c = meta[n]
        shape = "x".join(str(d) for d in c.get("requested_shape") or c.get("shape") or [])
        out.append(f"| {n} | {c.get('op')} | {c.get('dtype')} | {shape} | {1e3 * base[n]:.1f} | "
                   f"{1e3 * new[n]:.1f} | {base[n] / new[n]:.3f} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
