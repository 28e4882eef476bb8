#!/usr/bin/env python3
"""vknorm side by side with PyTorch on the KernelBench normalization cases.

Runs, in one invocation on one GPU:
  * PyTorch eager, torch.compile and the seed Triton kernels (bench/seeds/*.py) on
    KernelBench L1 #36 (RMSNorm over dim 1, (112,64,512,512) fp32) and #40 (LayerNorm over
    (64,256,256), affine, (16,64,256,256) fp32) forward and forward+backward, and #33
    (BatchNorm2d(64) in training mode, (64,64,512,512) fp32; no seed kernel), #38 / #39 (L1 /
    L2 norm over dim 1) and #37 (Frobenius norm of the whole (112,64,512,512) fp32 tensor), timed as
    GPU kernel time (torch.profiler, L2 flushed before each call; bench/torch_timing.py), with
    the host wall time of triton.testing.do_bench beside it, and torch's clone of the same bytes
    (its own copy floor: torch efficiency = clone time / best torch time);
  * their outputs checked against eager (max abs difference, fp32), including the seed 004
    backward, which is known to be wrong and whose error is reported, not fixed;
  * `vknorm-bench --suite kernelbench --json TMP` as a subprocess (GPU timestamps, median,
    L2 flushed between runs; see bench/README.md);
and prints one table with times and the ratio vknorm / best other (kernel times). With
--out-dir it also writes <out-dir>/<date>-<device>.json and .md (the .md holds the exact commands).

--suite sweep | llm | zoo: the PyTorch side of that vknorm-bench suite, cases from
`vknorm-bench --suite NAME --list` (or --cases-json FILE), JSON to --json (bench/torch_sweep.py);
join it with vknorm-bench's --json by bench/zoo_table.py.

Usage: python3 bench/compare_torch.py [--bench build/bench/vknorm-bench] [--out-dir bench/results]
       python3 bench/compare_torch.py --suite zoo --json torch-zoo.json [--case NAME[,NAME]]
"""

import argparse
import datetime
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import torch_timing  # noqa: E402

EPS = 1e-5
RMS_SHAPE = (112, 64, 512, 512)
LN_SHAPE = (16, 64, 256, 256)
LN_NORMALIZED = (64, 256, 256)
BN_SHAPE = (64, 64, 512, 512)
IN_SHAPE = (112, 64, 512, 512)  # KernelBench #34 (InstanceNorm2d) and #35 (GroupNorm, 8 groups)
GN_GROUPS = 8
LP_SHAPE = (32768, 65535)  # KernelBench #38 / #39: (batch_size, dim)
FRO_SHAPE = (112, 64, 512, 512)  # KernelBench #37: (batch_size, features, dim1, dim2)
BN_MOMENTUM = 0.1
DEVICE = "cuda"

# vknorm-bench's kernelbench case names (bench/cases.cpp) for each row of the table.
CASES = [
    ("kb36_rms_norm", "RMSNorm #36 (112,64,512,512) fp32"),
    ("kb40_layer_norm_fwd", "LayerNorm #40 fwd (16,64,256,256) fp32"),
    ("kb40_layer_norm_fwd_bwd", "LayerNorm #40 fwd+bwd (16,64,256,256) fp32"),
    ("kb33_batch_norm", "BatchNorm2d #33 training (64,64,512,512) fp32"),
    ("kb34_instance_norm", "InstanceNorm2d #34 (112,64,512,512) fp32"),
    ("kb35_group_norm", "GroupNorm #35, 8 groups (112,64,512,512) fp32"),
    ("kb38_l1_norm", "L1 norm #38 (32768,65535) fp32"),
    ("kb39_l2_norm", "L2 norm #39 (32768,65535) fp32"),
    ("kb37_frobenius_norm", "Frobenius norm #37 (112,64,512,512) fp32"),
]


def die(msg, code=2):
    print(f"compare_torch.py: {msg}", file=sys.stderr)
    sys.exit(code)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench", default=os.path.join("build", "bench", "vknorm-bench"),
                   help="path of vknorm-bench (default: build/bench/vknorm-bench)")
    p.add_argument("--bench-args", default="",
                   help="extra arguments for vknorm-bench, e.g. '--runs 50'")
    p.add_argument("--out-dir", default=None,
                   help="write <date>-<device>.json and .md there (e.g. bench/results)")
    p.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    p.add_argument("--no-seeds", action="store_true", help="skip the seed Triton kernels")
    p.add_argument("--no-vknorm", action="store_true", help="do not run vknorm-bench")
    p.add_argument("--warmup-ms", type=float, default=None,
                   help="do_bench warmup for the wall time (ms; default 25, sweep/llm/zoo 10)")
    p.add_argument("--rep-ms", type=float, default=None,
                   help="do_bench rep for the wall time (ms; default 200, sweep/llm/zoo 40)")
    p.add_argument("--suite", default="kernelbench", choices=["kernelbench", "sweep", "llm", "zoo", "diffusion"],
                   help="kernelbench (default: the table below), or sweep / llm / zoo: the cases "
                        "of vknorm-bench --suite NAME --list with eager and torch.compile, written "
                        "with --json (bench/torch_sweep.py)")
    p.add_argument("--json", default=None, help="sweep/llm/zoo: write the results there (else stdout)")
    p.add_argument("--cases-json", default=None, metavar="FILE",
                   help="sweep/llm/zoo: read the case list from FILE (the JSON of vknorm-bench "
                        "--suite NAME --list) instead of running vknorm-bench")
    p.add_argument("--case", default=None, metavar="NAME[,NAME]",
                   help="sweep/llm/zoo: only these cases (names or shell patterns, e.g. 'zoo_llama*')")
    p.add_argument("--sweep-budget-s", type=float, default=240,
                   help="sweep/llm/zoo: after this many seconds, skip torch.compile (eager only, "
                        "the reason recorded; default 240)")
    p.add_argument("--sweep-limit", type=int, default=0, help="sweep/llm/zoo: first N cases only")
    p.add_argument("--smoke-cpu", action="store_true",
                   help="test this script without a GPU: tiny shapes on the CPU, wall-clock "
                        "timing, no torch.compile/seeds (the numbers mean nothing)")
    return p.parse_args()


def import_torch(smoke_cpu=False):
    try:
        import torch  # noqa: F401
    except Exception as e:  # ImportError, or a broken install
        die("PyTorch is not available here (import torch failed: %s).\n"
            "  Run this script on the GPU host with torch and triton installed, or run\n"
            "  vknorm-bench alone: %s --suite kernelbench" % (e, os.path.join("build", "bench", "vknorm-bench")))
    import torch
    if smoke_cpu:
        return torch, False
    if not torch.cuda.is_available():
        die("PyTorch is installed but sees no CUDA device (torch.cuda.is_available() is False).")
    try:
        import triton  # noqa: F401
        import triton.testing  # noqa: F401
        have_triton = True
    except Exception as e:
        print(f"compare_torch.py: triton unavailable ({e}); timing with CUDA events and a "
              "manual L2 flush, no seed kernels", file=sys.stderr)
        have_triton = False
    return torch, have_triton


def import_seeds():
    from seeds import seed_001_rmsnorm, seed_004_layernorm
    return seed_001_rmsnorm, seed_004_layernorm


def max_abs_diff(a, b):
    return float((a.float() - b.float()).abs().max().item())


def minimal_bytes(case):
    if case == "kb37_frobenius_norm":  # x read twice (the norm first, then y = x / norm), y written
        x = 4
        for d in FRO_SHAPE:
            x *= d
        return 3 * x
    if case in ("kb38_l1_norm", "kb39_l2_norm"):  # x read, y written
        return 2 * LP_SHAPE[0] * LP_SHAPE[1] * 4
    if case in ("kb34_instance_norm", "kb35_group_norm"):  # x read, y written (+ per-channel params)
        x = 4
        for d in IN_SHAPE:
            x *= d
        return 2 * x + 2 * IN_SHAPE[1] * 4
    if case == "kb33_batch_norm":  # x read, y written, weight / bias, running stats r+w, saved stats
        x = 4
        for d in BN_SHAPE:
            x *= d
        c = BN_SHAPE[1]
        return 2 * x + 2 * c * 4 + 4 * c * 4 + 2 * c * 4
    x = 1
    for d in (RMS_SHAPE if case == "kb36_rms_norm" else LN_SHAPE):
        x *= d
    x *= 4
    d = 1
    for n in LN_NORMALIZED:
        d *= n
    rows = LN_SHAPE[0]
    fwd = 2 * x + 2 * d * 4 + 2 * rows * 4
    bwd = 3 * x + d * 4 + 2 * rows * 4 + 2 * d * 4
    return {"kb36_rms_norm": 2 * x, "kb40_layer_norm_fwd": fwd, "kb40_layer_norm_fwd_bwd": fwd + bwd}[case]


def run_torch(args, torch, have_triton):
    import torch.nn.functional as F
    timer = torch_timing.Timer(torch, DEVICE, args.warmup_ms, args.rep_ms)
    seeds = None
    if have_triton and not args.no_seeds:
        try:
            seeds = import_seeds()
        except Exception as e:
            print(f"compare_torch.py: seed kernels not importable: {e}", file=sys.stderr)
    # times_ms: GPU kernel time per call (the ratios use it); wall_ms: do_bench host wall time.
    results = {name: {"times_ms": {}, "wall_ms": {}, "kernels_per_call": {}, "errors": {}, "notes": []}
               for name, _ in CASES}
    torch.manual_seed(0)

    def attempt(case, impl, fn):
        try:
            out = fn()
            if DEVICE == "cuda":
                torch.cuda.synchronize()
            return out
        except Exception as e:
            msg = f"{impl} failed: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            print(f"compare_torch.py: {case}: {msg}", file=sys.stderr)
            results[case]["notes"].append(msg)
            return None

    def timed(case, impl, fn):
        k = attempt(case, impl, lambda: timer.kernel(fn))
        if k is None:
            return
        r = results[case]
        r["times_ms"][impl], r["kernels_per_call"][impl] = k["ms"], k["kernels_per_call"]
        if k["note"]:
            r["notes"].append(f"{impl}: {k['note']}")
        wall = attempt(case, impl + " (wall time)", lambda: timer.wall(fn))
        r["wall_ms"][impl] = wall
        print(f"  {case:26s} {impl:14s} {k['ms']:9.3f} ms kernel ({k['kernels_per_call']} kernels/call), "
              f"{wall if wall is not None else float('nan'):9.3f} ms wall", file=sys.stderr)

    def compiled(fn):
        torch._dynamo.reset()  # else a later shape can get a dynamic-shape kernel
        return torch.compile(fn, dynamic=False)

    # --- RMSNorm #36: KernelBench's Model.forward ---
    case = "kb36_rms_norm"
    print(f"{case}: eager / torch.compile / seed 001", file=sys.stderr)
    x = torch.rand(RMS_SHAPE, device=DEVICE, dtype=torch.float32)

    def rms_eager(t):
        return t / torch.sqrt(torch.mean(t ** 2, dim=1, keepdim=True) + EPS)

    ref = rms_eager(x)
    timed(case, "eager", lambda: rms_eager(x))
    if not args.no_compile:
        rms_c = compiled(rms_eager)
        out = attempt(case, "torch.compile", lambda: rms_c(x))
        if out is not None:
            results[case]["errors"]["torch.compile"] = max_abs_diff(out, ref)
            del out
            timed(case, "torch.compile", lambda: rms_c(x))
    if seeds:
        s1 = seeds[0]
        out = attempt(case, "seed 001", lambda: s1.triton_rms_norm_optimized(x, EPS))
        if out is not None:
            results[case]["errors"]["seed 001"] = max_abs_diff(out, ref)
            del out
            timed(case, "seed 001", lambda: s1.triton_rms_norm_optimized(x, EPS))
    del x, ref
    torch.cuda.empty_cache()

    # --- LayerNorm #40 forward: nn.LayerNorm((64,256,256)), weight 1, bias 0 at init ---
    case = "kb40_layer_norm_fwd"
    print(f"{case}: eager / torch.compile / seed 004", file=sys.stderr)
    x = torch.rand(LN_SHAPE, device=DEVICE, dtype=torch.float32)
    w = torch.ones(LN_NORMALIZED, device=DEVICE, dtype=torch.float32)
    b = torch.zeros(LN_NORMALIZED, device=DEVICE, dtype=torch.float32)

    def ln_eager(t, w_, b_):
        return F.layer_norm(t, LN_NORMALIZED, w_, b_, EPS)

    ref = ln_eager(x, w, b)
    timed(case, "eager", lambda: ln_eager(x, w, b))
    ln_c = None
    if not args.no_compile:
        ln_c = compiled(ln_eager)
        out = attempt(case, "torch.compile", lambda: ln_c(x, w, b))
        if out is not None:
            results[case]["errors"]["torch.compile"] = max_abs_diff(out, ref)
            del out
            timed(case, "torch.compile", lambda: ln_c(x, w, b))
    if seeds:
        s4 = seeds[1]
        out = attempt(case, "seed 004", lambda: s4.triton_layer_norm_forward(x, w, b, EPS))
        if out is not None:
            results[case]["errors"]["seed 004"] = max_abs_diff(out[0], ref)
            del out
            timed(case, "seed 004", lambda: s4.triton_layer_norm_forward(x, w, b, EPS))
    del ref
    torch.cuda.empty_cache()

    # --- LayerNorm #40 forward + backward (dx, dweight, dbias) ---
    case = "kb40_layer_norm_fwd_bwd"
    print(f"{case}: eager / torch.compile / seed 004", file=sys.stderr)
    dy = torch.randn(LN_SHAPE, device=DEVICE, dtype=torch.float32)
    xg = x.detach().clone().requires_grad_(True)
    wg = w.detach().clone().requires_grad_(True)
    bg = b.detach().clone().requires_grad_(True)

    def fwd_bwd(fn):
        def run():
            y = fn(xg, wg, bg)
            return torch.autograd.grad(y, (xg, wg, bg), dy)
        return run

    ref = fwd_bwd(ln_eager)()
    timed(case, "eager", fwd_bwd(ln_eager))
    if ln_c is not None:
        out = attempt(case, "torch.compile", fwd_bwd(ln_c))
        if out is not None:
            results[case]["errors"]["torch.compile"] = max(max_abs_diff(o, r) for o, r in zip(out, ref))
            del out
            timed(case, "torch.compile", fwd_bwd(ln_c))
    if seeds:
        s4 = seeds[1]

        def seed_fwd_bwd():
            y, mean, rstd = s4.triton_layer_norm_forward(x, w, b, EPS)
            return s4.triton_layer_norm_backward(dy, x, w, mean, rstd)

        out = attempt(case, "seed 004", seed_fwd_bwd)
        if out is not None:
            errs = {n: max_abs_diff(o, r) for n, o, r in zip(("dx", "dweight", "dbias"), out, ref)}
            results[case]["errors"]["seed 004"] = max(errs.values())
            results[case]["notes"].append(
                "seed 004 backward (known wrong: its dx uses per-block sums): max abs diff vs "
                "eager " + ", ".join(f"{k} {v:.3g}" for k, v in errs.items()))
            del out
            timed(case, "seed 004", seed_fwd_bwd)
    del x, w, b, dy, xg, wg, bg, ref
    torch.cuda.empty_cache()

    # --- BatchNorm2d #33, training mode: batch statistics, running stats updated in place ---
    case = "kb33_batch_norm"
    print(f"{case}: eager / torch.compile", file=sys.stderr)
    C = BN_SHAPE[1]
    x = torch.rand(BN_SHAPE, device=DEVICE, dtype=torch.float32)
    w = torch.ones(C, device=DEVICE, dtype=torch.float32)
    b = torch.zeros(C, device=DEVICE, dtype=torch.float32)
    rm = torch.zeros(C, device=DEVICE, dtype=torch.float32)
    rv = torch.ones(C, device=DEVICE, dtype=torch.float32)

    def bn_eager(t, w_, b_, rm_, rv_):
        # KernelBench's Model: nn.BatchNorm2d in training mode; every call updates rm_ / rv_.
        return F.batch_norm(t, rm_, rv_, w_, b_, training=True, momentum=BN_MOMENTUM, eps=EPS)

    ref = bn_eager(x, w, b, rm.clone(), rv.clone())
    timed(case, "eager", lambda: bn_eager(x, w, b, rm, rv))
    if not args.no_compile:
        bn_c = compiled(bn_eager)
        out = attempt(case, "torch.compile", lambda: bn_c(x, w, b, rm, rv))
        if out is not None:
            results[case]["errors"]["torch.compile"] = max_abs_diff(out, ref)
            del out
            timed(case, "torch.compile", lambda: bn_c(x, w, b, rm, rv))
    results[case]["notes"].append("no seed kernel for #33; torch's timed calls also update running_mean / running_var")
    del x, w, b, rm, rv, ref
    torch.cuda.empty_cache()

    def eager_and_compiled(case, fn, x):
        """A KernelBench model without a seed kernel: eager, then torch.compile (checked against eager)."""
        print(f"{case}: eager / torch.compile", file=sys.stderr)
        ref = fn(x)
        timed(case, "eager", lambda: fn(x))
        if not args.no_compile:
            fc = compiled(fn)
            out = attempt(case, "torch.compile", lambda: fc(x))
            if out is not None:
                results[case]["errors"]["torch.compile"] = max_abs_diff(out, ref)
                del out
                timed(case, "torch.compile", lambda: fc(x))
        results[case]["notes"].append("no seed kernel")
        del ref

    # --- #34 InstanceNorm2d (no affine, no running stats: KernelBench's model) and #35 GroupNorm
    # (8 groups, affine weight 1 / bias 0 at init) ---
    x = torch.rand(IN_SHAPE, device=DEVICE, dtype=torch.float32)
    C = IN_SHAPE[1]
    w = torch.ones(C, device=DEVICE, dtype=torch.float32)
    b = torch.zeros(C, device=DEVICE, dtype=torch.float32)
    eager_and_compiled("kb34_instance_norm", lambda t: F.instance_norm(t, eps=EPS), x)
    eager_and_compiled("kb35_group_norm", lambda t: F.group_norm(t, GN_GROUPS, w, b, eps=EPS), x)
    del x, w, b
    torch.cuda.empty_cache()

    # --- #38 L1 (x / mean(|x|, dim=1)) and #39 L2 (x / norm(x, p=2, dim=1)), KernelBench's models ---
    x = torch.rand(LP_SHAPE, device=DEVICE, dtype=torch.float32)
    eager_and_compiled("kb38_l1_norm", lambda t: t / torch.mean(torch.abs(t), dim=1, keepdim=True), x)
    eager_and_compiled("kb39_l2_norm", lambda t: t / torch.norm(t, p=2, dim=1, keepdim=True), x)
    del x
    torch.cuda.empty_cache()

    # --- #37 Frobenius norm: x / torch.norm(x, p='fro') over the whole tensor, KernelBench's model ---
    x = torch.rand(FRO_SHAPE, device=DEVICE, dtype=torch.float32)
    eager_and_compiled("kb37_frobenius_norm", lambda t: t / torch.norm(t, p="fro"), x)
    del x
    torch.cuda.empty_cache()

    # torch's own copy floor per case: the kernel time of a clone moving the same minimal bytes
    for name, _ in CASES:
        k = attempt(name, "clone", lambda: timer.clone(minimal_bytes(name)))
        results[name]["torch_clone_ms"] = k["ms"] if k else None
    return results, timer.methods()


def run_vknorm(args):
    bench = args.bench if os.path.isabs(args.bench) else os.path.join(os.getcwd(), args.bench)
    if not os.path.exists(bench) and os.path.exists(os.path.join(REPO, args.bench)):
        bench = os.path.join(REPO, args.bench)
    if not os.path.exists(bench):
        return None, None, f"vknorm-bench not found at {args.bench} (build it, or pass --bench PATH)"
    fd, tmp = tempfile.mkstemp(suffix=".json", prefix="vknorm-bench-")
    os.close(fd)
    cmd = [bench, "--suite", "kernelbench", "--json", tmp] + shlex.split(args.bench_args)
    print("running: " + " ".join(shlex.quote(c) for c in cmd), file=sys.stderr)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stderr.write(proc.stdout)
    data = None
    try:
        with open(tmp) as f:
            data = json.load(f)
    except Exception as e:
        return None, cmd, f"vknorm-bench exited {proc.returncode} without a readable JSON ({e})"
    finally:
        os.unlink(tmp)
    if proc.returncode != 0:
        data.setdefault("notes", []).append(f"vknorm-bench exited {proc.returncode}")
    return data, cmd, None


def build_table(torch_results, vk):
    """One row per case; all times are GPU kernel times (ms), wall times kept under "wall_ms"."""
    impls = ["eager", "torch.compile", "seed 001/004"]
    rows = []
    vk_cases = {c.get("name"): c for c in (vk or {}).get("cases", [])}
    for name, title in CASES:
        r = torch_results[name]
        times = dict(r["times_ms"])
        seed = times.pop("seed 001", None) or times.pop("seed 004", None)
        row = {"case": name, "title": title, "eager": times.get("eager"),
               "torch.compile": times.get("torch.compile"), "seed 001/004": seed,
               "wall_ms": r["wall_ms"], "kernels_per_call": r["kernels_per_call"],
               "errors": r["errors"], "notes": list(r["notes"]), "torch_clone_ms": r.get("torch_clone_ms")}
        torch_times = [t for t in (row["eager"], row["torch.compile"]) if t]
        row["torch_best"] = min(torch_times) if torch_times else None
        if row["torch_best"] and row["torch_clone_ms"]:
            row["torch_efficiency"] = row["torch_clone_ms"] / row["torch_best"]
        c = vk_cases.get(name)
        if c and c.get("ran"):
            row["vknorm"] = c["time"]["median_ms"]
            row["vknorm_pct_roofline"] = c.get("pct_roofline")
            row["vknorm_max_err"] = max([o["max_abs"] for o in c["accuracy"]["outputs"]] or [0]) \
                if c.get("accuracy", {}).get("ran") else None
            row["vknorm_config"] = " | ".join(k["text"] for k in c.get("configs", []))
            copy_ms = (c.get("copy") or {}).get("median_ms")
            row["vknorm_copy_ms"] = copy_ms
            row["vknorm_efficiency"] = c.get("efficiency") or (copy_ms / row["vknorm"] if copy_ms else None)
            if row["vknorm_efficiency"] and row.get("torch_efficiency"):
                row["efficiency_ratio"] = row["vknorm_efficiency"] / row["torch_efficiency"]
            if c.get("scaled"):
                row["notes"].append("vknorm ran a scaled-down shape: " + c.get("scale_note", ""))
        elif c:
            row["notes"].append("vknorm: " + c.get("error", "not run"))
        others = [row[i] for i in impls if row.get(i) is not None]
        # the seed 004 backward is wrong: it does not compete in the fwd+bwd row
        if name == "kb40_layer_norm_fwd_bwd":
            others = [row[i] for i in ("eager", "torch.compile") if row.get(i) is not None]
        row["best_other"] = min(others) if others else None
        if row.get("vknorm") and row["best_other"] and not (c and c.get("scaled")):
            row["ratio"] = row["vknorm"] / row["best_other"]
        else:
            row.pop("efficiency_ratio", None)
        rows.append(row)
    return rows


def fmt(v, spec="{:.3f}"):
    return "-" if v is None else spec.format(v)


def render_table(rows, device, vk_device):
    lines = []
    hdr = ["case", "eager ms", "compile ms", "seed ms", "vknorm ms", "vknorm/best", "torch clone ms",
           "torch eff", "vk eff", "eff ratio", "GB/s vknorm", "%roof", "wall eager / compile ms",
           "max err vs eager (compile / seed / vknorm vs fp64)"]
    lines.append("| " + " | ".join(hdr) + " |")
    lines.append("|" + "|".join("---" for _ in hdr) + "|")
    for r in rows:
        gbps = minimal_bytes(r["case"]) / (r["vknorm"] * 1e6) if r.get("vknorm") else None
        errs = " / ".join([fmt(r["errors"].get("torch.compile"), "{:.2g}"),
                           fmt(r["errors"].get("seed 001", r["errors"].get("seed 004")), "{:.2g}"),
                           fmt(r.get("vknorm_max_err"), "{:.2g}")])
        wall = " / ".join(fmt(r["wall_ms"].get(k)) for k in ("eager", "torch.compile"))
        lines.append("| " + " | ".join([
            r["title"], fmt(r["eager"]), fmt(r["torch.compile"]), fmt(r["seed 001/004"]),
            fmt(r.get("vknorm")), fmt(r.get("ratio"), "{:.2f}x"), fmt(r.get("torch_clone_ms")),
            fmt(r.get("torch_efficiency"), "{:.2f}"), fmt(r.get("vknorm_efficiency"), "{:.2f}"),
            fmt(r.get("efficiency_ratio"), "{:.2f}"), fmt(gbps, "{:.0f}"),
            fmt(r.get("vknorm_pct_roofline"), "{:.0f}%"), wall, errs]) + " |")
    notes = [f"- {r['case']}: {n}" for r in rows for n in r["notes"]]
    lines.append("")
    lines.append(f"GPU: {device}; vknorm device: {vk_device or '-'}. torch times are GPU kernel "
                 "times per call (torch.profiler, L2 flushed before each call; bench/torch_timing.py); "
                 "wall: triton.testing.do_bench host wall time, for reference only; vknorm: median of "
                 "GPU timestamps with an L2 flush between runs. vknorm/best: vknorm time / fastest "
                 "correct other kernel time (the seed 004 backward is wrong and does not compete in "
                 "the fwd+bwd row). Efficiency: each side's copy of the same bytes / its time (torch: "
                 "clone kernel, best of eager and compile; vknorm: its copy shader); eff ratio: vk eff "
                 "/ torch eff.")
    if notes:
        lines.append("")
        lines.append("Notes:")
        lines.extend(notes)
    return "\n".join(lines)


def main():
    args = parse_args()
    global RMS_SHAPE, LN_SHAPE, LN_NORMALIZED, DEVICE, BN_SHAPE, LP_SHAPE, IN_SHAPE, FRO_SHAPE
    if args.smoke_cpu:
        RMS_SHAPE, LN_SHAPE, LN_NORMALIZED, DEVICE = (2, 64, 16, 16), (2, 8, 16, 16), (8, 16, 16), "cpu"
        BN_SHAPE = IN_SHAPE = FRO_SHAPE = (2, 64, 16, 16)
        LP_SHAPE = (16, 1023)
        args.no_compile = args.no_seeds = True
    torch, have_triton = import_torch(args.smoke_cpu)
    device = "cpu (--smoke-cpu)" if args.smoke_cpu else torch.cuda.get_device_name()
    versions = {"torch": torch.__version__, "python": sys.version.split()[0]}
    if have_triton:
        import triton
        versions["triton"] = triton.__version__
    print(f"device: {device}; " + ", ".join(f"{k} {v}" for k, v in versions.items()), file=sys.stderr)
    if args.suite != "kernelbench":  # sweep / llm / zoo: the cases of vknorm-bench --suite NAME --list
        import torch_sweep
        timer = torch_timing.Timer(torch, DEVICE, args.warmup_ms or 10, args.rep_ms or 40)
        try:
            result = torch_sweep.run_sweep(args, torch, timer, DEVICE, REPO)
        except (OSError, RuntimeError, ValueError, KeyError) as e:  # no case list, typically
            die(f"--suite {args.suite}: {e}")
        result["versions"] = versions
        result["command"] = " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv)
        if args.json:
            torch_sweep.write(result, args.json)
        else:
            print(json.dumps(result, indent=2))
        return 0
    args.warmup_ms, args.rep_ms = args.warmup_ms or 25, args.rep_ms or 200
    torch_results, method = run_torch(args, torch, have_triton)

    vk, vk_cmd, vk_err = (None, None, "skipped (--no-vknorm)") if args.no_vknorm else run_vknorm(args)
    if vk_err:
        print(f"compare_torch.py: {vk_err}", file=sys.stderr)
    vk_device = None
    if vk:
        d = vk.get("device", {})
        vk_device = f"{d.get('name')} (driver {d.get('driver_version_text')}, vknorm {vk.get('vknorm_version')})"
    rows = build_table(torch_results, vk)
    table = render_table(rows, device, vk_device)
    print(table)

    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y-%m-%d")
        slug = re.sub(r"[^A-Za-z0-9]+", "-", device).strip("-").lower()
        base = os.path.join(args.out_dir, f"{stamp}-{slug}")
        command = " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv)
        with open(base + ".json", "w") as f:
            json.dump({"command": command, "vknorm_bench_command": vk_cmd, "device": device,
                       "versions": versions, "method": method, "rows": rows, "torch": torch_results,
                       "vknorm_bench": vk, "vknorm_error": vk_err}, f, indent=2)
        with open(base + ".md", "w") as f:
            f.write(f"# vknorm vs PyTorch, {device}, {stamp}\n\n")
            f.write("Command:\n\n```\n" + command + "\n```\n\n")
            if vk_cmd:
                f.write("which ran:\n\n```\n" + " ".join(shlex.quote(c) for c in vk_cmd) + "\n```\n\n")
            f.write(", ".join(f"{k} {v}" for k, v in versions.items()) + "\n\n")
            f.write(table + "\n")
        print(f"wrote {base}.json and {base}.md", file=sys.stderr)
    return 0 if vk and not vk_err else 1


if __name__ == "__main__":
    sys.exit(main())
