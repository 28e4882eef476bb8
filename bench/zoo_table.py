#!/usr/bin/env python3
"""Join vknorm-bench --suite S --json and compare_torch.py --suite S --json on the case names
into a markdown table with a summary (S: zoo, sweep or llm; sweep_table.py uses it too).

Each side is judged against its own copy of the same bytes: vk eff = vknorm copy shader time /
vknorm time; torch eff = torch clone kernel time / best torch kernel time (eager or
torch.compile); ratio = vk eff / torch eff (>= 1: vknorm as close to its copy floor as torch to
its own, or closer). raw = vknorm time / best torch kernel time. All torch times are GPU kernel
times (torch.profiler), not do_bench wall time.

usage: zoo_table.py VKNORM_JSON[.gz] TORCH_JSON[.gz] [--md OUT.md] [--title TITLE]
       zoo_table.py --self-test
Either JSON may be missing or broken: its columns are then n/a.
"""
import argparse
import gzip
import json
import math
import sys

VARIANTS = ("eager", "compile")
BIG_BYTES = 256e6     # "cases moving >= 256 MB"
BIG_PCT = 92.0        # ... should reach this % of the copy roofline
BACKWARD_OPS = ("layer_norm_fwd_bwd", "layer_norm_backward", "rms_norm_backward")


def load(path):
    if not path:
        return None, "not given"
    try:
        with (gzip.open if path.endswith(".gz") else open)(path, "rt") as f:
            return json.load(f), None
    except Exception as e:
        return None, f"{path}: {e}"


def family(op):
    """rms_norm_last_q8 / add_rms_norm -> rms_norm, batch_norm_eval -> batch_norm; the backward
    ops stay themselves."""
    op = op or "?"
    if op.startswith("add_"):
        op = op[4:]
    for suffix in ("_q8", "_last", "_eval"):
        if op.endswith(suffix):
            op = op[: -len(suffix)]
    return op


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def join(vk, th):
    """One row per case (vknorm's order, then torch-only cases). Keys: name, model, op, dtype,
    shape, scaled, bytes, vk_ms, vk_pct, vk_copy_ms, vk_eff, vk_stream_us, err, err_ok,
    <v>_ms (kernel time), <v>_kpc, <v>_pct, torch_clone_ms, torch_best_ms, torch_eff,
    eff_ratio, ratio (raw), errors. limits_table.py reads name, vk_ms, vk_pct, eager_ms,
    compile_ms and ratio (through sweep_table.merge)."""
    vcases = {c["name"]: c for c in (vk or {}).get("cases", [])}
    tcases = {c["name"]: c for c in (th or {}).get("cases", [])}
    troof = ((th or {}).get("roofline") or {}).get("gbps")
    rows = []
    for name in list(vcases) + [n for n in tcases if n not in vcases]:
        v, t = vcases.get(name, {}), tcases.get(name, {})
        r = {"name": name, "model": t.get("model") or v.get("model") or "", "op": v.get("op") or t.get("op"),
             "dtype": v.get("dtype") or t.get("dtype"), "shape": v.get("requested_shape") or t.get("shape") or v.get("shape"),
             "scaled": v.get("scaled", False), "bytes": v.get("bytes") or t.get("bytes"), "errors": []}
        if v.get("ran"):
            r["vk_ms"] = v["time"]["median_ms"]
            r["vk_pct"] = v.get("pct_roofline")
            r["vk_copy_ms"] = (v.get("copy") or {}).get("median_ms")
            r["vk_eff"] = v.get("efficiency") or (r["vk_copy_ms"] / r["vk_ms"] if r["vk_copy_ms"] else None)
            st = v.get("stream") or {}
            flushed, b2b = st.get("flushed_per_call_ms"), st.get("back_to_back_per_call_ms")
            r["vk_stream_us"] = None if flushed is None else flushed * 1e3
            r["vk_b2b_us"] = None if b2b is None else b2b * 1e3
            acc = v.get("accuracy", {})
            outs = acc.get("outputs", [])
            r["err"] = max((o.get("max_abs", 0) for o in outs), default=None) if outs else acc.get("max_abs")
            r["err_ok"] = acc.get("pass")
        else:
            r["errors"].append("vknorm: " + (v.get("error") or ("not in the vknorm JSON" if vk else "no vknorm JSON")))
        for k in VARIANTS:
            ms = t.get(k + "_kernel_ms")
            r[k + "_ms"], r[k + "_kpc"] = ms, t.get(k + "_kernels_per_call")
            r[k + "_pct"] = 100.0 * r["bytes"] / (ms * 1e6) / troof if (ms and troof and r["bytes"]) else None
            if t.get(k + "_error"):
                r["errors"].append(f"{k}: {t[k + '_error']}")
        if t.get("error"):
            r["errors"].append("torch: " + t["error"])
        elif not t:
            r["errors"].append("torch: " + ("not in the torch JSON" if th else "no torch JSON"))
        best = [r[k + "_ms"] for k in VARIANTS if r[k + "_ms"]]
        r["torch_best_ms"] = min(best) if best else None
        r["torch_clone_ms"] = t.get("torch_clone_ms")
        r["torch_eff"] = r["torch_clone_ms"] / r["torch_best_ms"] if (r["torch_clone_ms"] and r["torch_best_ms"]) else None
        same = r.get("vk_ms") and not r["scaled"]  # a scaled-down vknorm case is not the same case
        r["ratio"] = r["vk_ms"] / r["torch_best_ms"] if (same and r["torch_best_ms"]) else None
        r["eff_ratio"] = r["vk_eff"] / r["torch_eff"] if (same and r.get("vk_eff") and r["torch_eff"]) else None
        rows.append(r)
    return rows


def summary(rows, vk):
    """The numbers behind the summary lines (also checked by --self-test)."""
    comp = [r for r in rows if r["eff_ratio"] is not None]
    ratios = [r["eff_ratio"] for r in comp]
    raw = [r["ratio"] for r in rows if r["ratio"] is not None]
    s = {"n": len(comp), "n_ge_1": sum(x >= 1.0 for x in ratios), "n_lt_090": sum(x < 0.90 for x in ratios),
         "min": min(comp, key=lambda r: r["eff_ratio"]) if comp else None, "geomean": geomean(ratios),
         "raw_n": len(raw), "raw_faster": sum(x <= 1.0 for x in raw), "raw_geomean": geomean(raw),
         "families": {}, "backward": [r for r in rows if r["op"] in BACKWARD_OPS], "big": []}
    for r in comp:
        s["families"].setdefault(family(r["op"]), []).append(r["eff_ratio"])
    s["families"] = {f: (geomean(v), len(v)) for f, v in sorted(s["families"].items())}
    roof = ((vk or {}).get("roofline") or {}).get("gbps")
    for r in rows:
        if r.get("vk_ms") and not r["scaled"] and (r["bytes"] or 0) >= BIG_BYTES:
            gbps = r["bytes"] / (r["vk_ms"] * 1e6)
            s["big"].append((r, gbps, 100.0 * gbps / roof if roof else r.get("vk_pct")))
    return s


def fms(ms):
    return "n/a" if ms is None else (f"{ms:.4f}" if ms < 1 else f"{ms:.3f}")


def fx(x, spec="{:.2f}"):
    return "n/a" if x is None else spec.format(x)


def markdown(rows, vk, th, vk_err=None, th_err=None, title="vknorm vs PyTorch"):
    out = [f"# {title}", ""]
    if vk:
        d, roof = vk.get("device", {}), vk.get("roofline", {})
        out.append(f"vknorm {vk.get('vknorm_version')} on {d.get('name')} (driver {d.get('driver_version_text')}); "
                   f"copy shader roofline {fx(roof.get('gbps'), '{:.0f}')} GB/s "
                   f"(1 GiB in {fms((roof.get('time') or {}).get('median_ms'))} ms).")
    else:
        out.append(f"vknorm: n/a ({vk_err}).")
    if th:
        roof = th.get("roofline", {})
        out.append(f"PyTorch {th.get('torch')} (triton {(th.get('versions') or {}).get('triton', 'n/a')}) on "
                   f"{th.get('device')}; clone roofline {fx(roof.get('gbps'), '{:.0f}')} GB/s "
                   f"(1 GiB in {fms(roof.get('ms'))} ms). Kernel time: {(th.get('method') or {}).get('kernel', 'n/a')}.")
    else:
        out.append(f"PyTorch: n/a ({th_err}).")
    stream = any(r.get("vk_stream_us") is not None for r in rows)
    hdr = ["case", "model", "op", "dtype", "shape", "MB moved", "vknorm ms", "vk copy ms", "vk eff"]
    hdr += ["vk in-stream us/call (flushed / back to back)"] if stream else []
    hdr += ["eager ms", "compile ms", "kernels e/c", "torch clone ms", "torch eff", "ratio (eff)", "raw time ratio",
            "max err"]
    out += ["", "| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
    for r in rows:
        shape = "x".join(map(str, r["shape"] or [])) + ("*" if r["scaled"] else "")
        err = "n/a" if r.get("err") is None else f"{r['err']:.2g}" + ("" if r.get("err_ok", True) else " FAIL")
        kpc = "/".join("-" if r[k + "_kpc"] is None else str(r[k + "_kpc"]) for k in VARIANTS)
        cells = [r["name"], r["model"], r["op"], r["dtype"], shape, fx((r["bytes"] or 0) / 1e6, "{:.3g}" if (r["bytes"] or 0) < 1e8 else "{:.0f}"),
                 fms(r.get("vk_ms")), fms(r.get("vk_copy_ms")), fx(r.get("vk_eff"))]
        cells += [fx(r.get("vk_stream_us"), "{:.1f}") + " / " + fx(r.get("vk_b2b_us"), "{:.1f}")] if stream else []
        cells += [fms(r["eager_ms"]), fms(r["compile_ms"]), kpc, fms(r["torch_clone_ms"]), fx(r["torch_eff"]),
                  fx(r["eff_ratio"]), fx(r["ratio"]), err]
        out.append("| " + " | ".join(str(c) for c in cells) + " |")
    s = summary(rows, vk)
    out += ["", "## Summary", ""]
    if s["n"]:
        m = s["min"]
        out.append(f"- ratio (vk eff / torch eff) on {s['n']} cases: >= 1.0 on {s['n_ge_1']} "
                   f"({100.0 * s['n_ge_1'] / s['n']:.0f}%), < 0.90 on {s['n_lt_090']}; min {m['eff_ratio']:.2f} "
                   f"({m['name']}); geometric mean {s['geomean']:.2f}.")
    else:
        out.append("- ratio: no case with both sides' efficiency.")
    if s["raw_n"]:
        out.append(f"- raw time (vknorm / best torch kernel): vknorm as fast or faster on {s['raw_faster']} of "
                   f"{s['raw_n']}; geometric mean {s['raw_geomean']:.2f}.")
    if s["families"]:
        out.append("- ratio by op family (geometric mean, cases): " + "; ".join(
            f"{f} {g:.2f} ({n})" for f, (g, n) in s["families"].items()) + ".")
    if s["backward"]:
        out.append("- backward cases (LayerNorm fwd+bwd / backward, RMSNorm backward):")
        out += [f"  - {r['name']}: ratio {fx(r['eff_ratio'])}, raw {fx(r['ratio'])}" for r in s["backward"]]
    if s["big"]:
        ok = sum(1 for _, _, p in s["big"] if p is not None and p >= BIG_PCT)
        out.append(f"- cases moving >= {BIG_BYTES / 1e6:.0f} MB: {ok} of {len(s['big'])} reach {BIG_PCT:.0f}% of "
                   "vknorm's 1 GiB copy roofline:")
        out += [f"  - {r['name']}: {g:.0f} GB/s, {fx(p, '{:.1f}')}% "
                f"({'>=' if p is not None and p >= BIG_PCT else '<'} {BIG_PCT:.0f}%)" for r, g, p in s["big"]]
    notes = [f"- {r['name']}: {e}" for r in rows for e in r["errors"]]
    out += ["", "MB moved: minimal bytes (every input read once, every output written once). vk eff: vknorm copy "
            "shader of the same bytes / vknorm time; torch eff: torch clone kernel of the same bytes / best "
            "torch kernel time; ratio: vk eff / torch eff; raw time ratio: vknorm ms / best torch kernel ms. "
            "Torch times: GPU kernel time per call (torch.profiler), L2 flushed before each call. "
            "kernels e/c: kernels per call, eager / compile. `*`: vknorm scaled the case down (no ratio). "
            "max err: largest sampled absolute error of vknorm vs fp64."]
    if notes:
        out += ["", "Not compared / errors:", ""] + notes
    return "\n".join(out) + "\n"


def self_test():
    """Join and summary math on two small synthetic files."""
    vk = {"device": {"name": "GPU"}, "roofline": {"bytes": 1 << 30, "gbps": 4200.0, "time": {"median_ms": 0.511}},
          "cases": [
              {"name": "a", "op": "rms_norm_last", "dtype": "bf16", "shape": [1, 4096], "ran": True, "bytes": 16392,
               "time": {"median_ms": 0.010}, "copy": {"bytes": 8196, "median_ms": 0.005}, "efficiency": 0.5,
               "stream": {"calls": 64, "flushed_per_call_ms": 0.002, "back_to_back_per_call_ms": 0.0015}},
              {"name": "b", "op": "add_rms_norm", "dtype": "f16", "shape": [4096, 8192], "ran": True,
               "bytes": 8_000_000_000, "time": {"median_ms": 2.0}, "copy": {"median_ms": 1.9}},
              {"name": "c", "op": "layer_norm_fwd_bwd", "dtype": "f32", "shape": [64, 64], "ran": True, "bytes": 1000,
               "time": {"median_ms": 0.1}, "copy": {"median_ms": 0.05}},
              {"name": "d", "op": "layer_norm", "dtype": "f32", "shape": [4, 4], "ran": False, "error": "boom"}]}
    th = {"roofline": {"gbps": 4300.0, "ms": 0.5}, "cases": [
        {"name": "a", "model": "Llama", "eager_kernel_ms": 0.008, "compile_kernel_ms": 0.006, "torch_clone_ms": 0.004,
         "eager_kernels_per_call": 3, "compile_kernels_per_call": 1},
        {"name": "b", "eager_kernel_ms": 2.5, "compile_error": "skipped", "torch_clone_ms": 2.2},
        {"name": "c", "eager_kernel_ms": 0.09, "compile_kernel_ms": 0.08, "torch_clone_ms": 0.06},
        {"name": "d", "eager_kernel_ms": 0.001, "torch_clone_ms": 0.001},
        {"name": "e", "op": "l1_norm", "error": "no torch composition for op l1_norm"}]}
    rows = join(vk, th)
    by = {r["name"]: r for r in rows}
    close = lambda a, b: a is not None and abs(a - b) < 1e-9  # noqa: E731
    assert [r["name"] for r in rows] == ["a", "b", "c", "d", "e"]
    assert close(by["a"]["torch_eff"], 0.004 / 0.006) and close(by["a"]["eff_ratio"], 0.5 / (0.004 / 0.006))
    assert close(by["a"]["ratio"], 0.010 / 0.006) and close(by["a"]["vk_stream_us"], 2.0)
    assert close(by["b"]["vk_eff"], 0.95) and close(by["b"]["eff_ratio"], 0.95 / (2.2 / 2.5))
    assert by["d"]["eff_ratio"] is None and by["e"]["ratio"] is None
    s = summary(rows, vk)
    r3 = [0.75, 0.95 / 0.88, 0.5 / 0.75]
    assert s["n"] == 3 and s["n_ge_1"] == 1 and s["n_lt_090"] == 2 and s["min"]["name"] == "c"
    assert close(s["geomean"], (r3[0] * r3[1] * r3[2]) ** (1 / 3))
    assert s["raw_n"] == 3 and s["raw_faster"] == 1
    assert [r["name"] for r in s["backward"]] == ["c"]
    assert close(s["families"]["rms_norm"][0], math.sqrt(r3[0] * r3[1])) and s["families"]["rms_norm"][1] == 2
    (big, gbps, pct), = s["big"]
    assert big["name"] == "b" and close(gbps, 4000.0) and close(pct, 100 * 4000 / 4200)
    text = markdown(rows, vk, th)
    assert "| a | Llama | rms_norm_last |" in text and "vk in-stream us/call" in text and "d: vknorm: boom" in text
    print(text)
    print("zoo_table.py --self-test: ok")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("vknorm_json", nargs="?")
    p.add_argument("torch_json", nargs="?")
    p.add_argument("--md", default=None, help="also write the markdown there")
    p.add_argument("--title", default="vknorm vs PyTorch")
    p.add_argument("--self-test", action="store_true", help="check the join and summary math, then exit")
    a = p.parse_args()
    if a.self_test:
        return self_test()
    vk, vk_err = load(a.vknorm_json)
    th, th_err = load(a.torch_json)
    if not vk and not th:
        print(f"zoo_table.py: nothing to join ({vk_err}; {th_err})", file=sys.stderr)
        return 1
    text = markdown(join(vk, th), vk, th, vk_err, th_err, a.title)
    if a.md:
        with open(a.md, "w") as f:
            f.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
