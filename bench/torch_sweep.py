"""The "Fast everywhere" sweep for PyTorch (compare_torch.py --suite sweep).

The case list mirrors vknorm-bench's sweep suite (bench/cases.cpp, sweep_suite): the names must
match, sweep_table.py joins the two JSON files on them. Each case is timed with PyTorch eager,
torch.compile, and torch.compile with inductor's cooperative reductions
(torch._inductor.config.triton.cooperative_reductions = True, the setting behind
TORCHINDUCTOR_COOPERATIVE_REDUCTIONS=1) where that applies: only cases with few rows (<= 64),
the shape cooperative reductions exist for. Anything that fails or is skipped is "n/a" with the
reason. A copy (y.copy_(x), 1 GiB fp32) measured in the same run is the roofline.
"""
import json
import os
import sys
import time

EPS = 1e-5
DTYPES = ("f32", "f16", "bf16")


def sweep_cases():
    cases = []

    def add(tag, op, shape, rank=1):
        for dt in DTYPES:
            cases.append({"name": f"sw_{tag}_{'x'.join(map(str, shape))}_{dt}", "op": op,
                          "shape": list(shape), "dtype": dt, "normalized_rank": rank})
    for sh in [(112, 64, 512, 512), (32, 256, 128, 128), (16, 3, 1024, 1024), (64, 1024, 32, 32)]:
        add("rms", "rms_norm", sh)
    for sh in [(1, 4096), (32, 4096), (4096, 4096), (32768, 8192), (65536, 128)]:
        add("rmsrow", "rms_norm", sh)
    add("ln", "layer_norm", (16, 64, 256, 256), 3)
    for sh in [(262144, 768), (32768, 8192), (4096, 4096), (1, 4096), (4, 16777216)]:
        add("ln", "layer_norm", sh)
    for op, tag in (("layer_norm_backward", "lnbwd"), ("layer_norm_fwd_bwd", "lnfwdbwd")):
        add(tag, op, (16, 64, 256, 256), 3)
        for sh in [(262144, 768), (32768, 8192), (4096, 4096)]:
            add(tag, op, sh)
    # GroupNorm, 32 groups, f16, on Stable Diffusion UNet / VAE shapes (vknorm: sw_gn32_*).
    for sh in [(2, 320, 64, 64), (2, 1280, 8, 8), (1, 128, 512, 512)]:
        cases.append({"name": f"sw_gn32_{'x'.join(map(str, sh))}_f16", "op": "group_norm",
                      "shape": list(sh), "dtype": "f16", "normalized_rank": 1, "groups": 32})
    return cases


def llm_cases():
    """vknorm-bench --suite llm (bench/cases.cpp, llm_suite): the same names."""
    cases = []

    def add(tag, op, shape):
        for dt in ("f16", "bf16"):
            cases.append({"name": f"llm_{tag}_{'x'.join(map(str, shape))}_{dt}", "op": op,
                          "shape": list(shape), "dtype": dt, "normalized_rank": 1})
    for sh in [(1, 4096), (32, 4096), (4096, 4096), (32768, 8192), (65536, 128)]:
        add("rmslast", "rms_norm_last", sh)
    for sh in [(1, 4096), (4096, 8192), (32768, 8192)]:
        add("addrms", "add_rms_norm", sh)
    for sh in [(4096, 4096), (32768, 8192)]:
        add("rmsq8", "rms_norm_last_q8", sh)
    add("addrmsq8", "add_rms_norm_q8", (4096, 8192))
    for sh in [(4096, 4096), (32768, 8192)]:
        add("rmsbwd", "rms_norm_backward", sh)
    for sh in [(16384, 768), (4096, 8192), (32, 65536)]:
        add("addln", "add_layer_norm", sh)
    return cases


def geometry(c):
    n = 1
    for d in c["shape"]:
        n *= d
    if c["op"] in ("rms_norm", "group_norm"):
        row = c["shape"][1]
    else:
        row = 1
        for d in c["shape"][len(c["shape"]) - c["normalized_rank"]:]:
            row *= d
    return n, row, n // row


def minimal_bytes(c):
    """As vknorm-bench (bench/cases.h): inputs read once, outputs written once; dweight/dbias fp32."""
    es = 4 if c["dtype"] == "f32" else 2
    n, row, rows = geometry(c)
    big, param, stat, grad = n * es, row * es, rows * 4, row * 4
    fwd = 2 * big + 2 * param + 2 * stat
    bwd = 3 * big + param + 2 * stat + 2 * grad
    q8 = n + stat  # int8 y + fp32 per-row scales (dynamic)
    if c["op"] == "group_norm":  # x, y, per-channel weight / bias, mean / rstd per (sample, group)
        return 2 * big + 2 * param + 2 * c["shape"][0] * c["groups"] * 4
    return {"rms_norm": 2 * big + param, "layer_norm": fwd, "layer_norm_backward": bwd,
            "layer_norm_fwd_bwd": fwd + bwd, "rms_norm_last": 2 * big + param,
            "add_rms_norm": 4 * big + param, "rms_norm_last_q8": big + param + q8,
            "add_rms_norm_q8": 3 * big + param + n,
            "rms_norm_backward": 3 * big + param + stat + grad,
            "add_layer_norm": 2 * big + fwd}[c["op"]]


def shrink(c, scale):
    """--smoke-cpu: divide the leading dimension until the case is tiny."""
    c = dict(c)
    shape = list(c["shape"])
    while geometry(dict(c, shape=shape))[0] > scale and shape[0] > 1:
        shape[0] = (shape[0] + 1) // 2
    while geometry(dict(c, shape=shape))[0] > scale:
        i = max(range(len(shape)), key=lambda k: shape[k])
        shape[i] = (shape[i] + 1) // 2
    c["shape"] = shape
    return c


def make_fns(torch, c, device):
    F = torch.nn.functional
    dt = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}[c["dtype"]]
    shape = c["shape"]
    g = torch.Generator(device=device).manual_seed(1)
    x = torch.rand(shape, generator=g, device=device, dtype=torch.float32).to(dt)
    n, row, rows = geometry(c)
    if c["op"] == "rms_norm":
        C = shape[1]
        w = torch.ones(C, device=device, dtype=dt) + 0.25 * torch.randn(C, generator=g, device=device).to(dt)
        wshape = [1, C] + [1] * (len(shape) - 2)

        def fwd(x, w):  # over dim 1, fp32 math, as vknorm
            xf = x.float()
            r = torch.rsqrt(xf.pow(2).mean(1, keepdim=True) + EPS)
            return (xf * r * w.float().view(wshape)).to(x.dtype)
        return {"fn": fwd, "args": (x, w), "bwd": False}
    if c["op"] == "group_norm":
        C = shape[1]
        w = (torch.ones(C, device=device) + 0.25 * torch.randn(C, generator=g, device=device)).to(dt)
        b = (0.1 * torch.randn(C, generator=g, device=device)).to(dt)
        return {"fn": lambda x, w, b: F.group_norm(x, c["groups"], w, b, EPS), "args": (x, w, b), "bwd": False}
    if c["op"] in ("rms_norm_last", "add_rms_norm", "rms_norm_last_q8", "add_rms_norm_q8", "rms_norm_backward"):
        return llm_fns(torch, c, device, dt, x, g)
    norm = shape[len(shape) - c["normalized_rank"]:]
    w = (torch.ones(norm, device=device) + 0.25 * torch.randn(norm, generator=g, device=device)).to(dt)
    b = (0.1 * torch.randn(norm, generator=g, device=device)).to(dt)

    def fwd(x, w, b):
        return F.layer_norm(x, norm, w, b, EPS)
    if c["op"] == "add_layer_norm":  # the unfused PyTorch code; h is returned, as residual_out
        r = torch.randn(shape, generator=g, device=device, dtype=torch.float32).to(dt)

        def add_fwd(x, r, w, b):
            h = x + r
            return F.layer_norm(h, norm, w, b, EPS), h
        return {"fn": add_fwd, "args": (x, r, w, b), "bwd": False}
    if c["op"] == "layer_norm":
        return {"fn": fwd, "args": (x, w, b), "bwd": False}
    dy = torch.randn(shape, generator=g, device=device, dtype=torch.float32).to(dt)
    return {"fn": fwd, "args": (x, w, b), "bwd": True, "dy": dy,
            "fwd_too": c["op"] == "layer_norm_fwd_bwd"}


def llm_fns(torch, c, device, dt, x, g):
    """F.rms_norm over the last dim; the fused add as the unfused PyTorch code (h = x + r, then
    the norm; h is returned, as residual_out); int8 output as vLLM's per-token dynamic (or a
    static) quantization of the fp32 normalized value."""
    F = torch.nn.functional
    D = c["shape"][-1]
    w = (torch.ones(D, device=device) + 0.25 * torch.randn(D, generator=g, device=device)).to(dt)
    add = c["op"].startswith("add_")
    q8 = c["op"].endswith("_q8")
    static = add and q8  # add_rms_norm_q8: static scale, as the vknorm case
    scale = 4.0 / 127.0

    def quant(y):
        if static:
            return torch.clamp(torch.round(y / scale), -127, 127).to(torch.int8)
        s = y.abs().amax(-1, keepdim=True) / 127.0
        return torch.clamp(torch.round(y / s), -127, 127).to(torch.int8), s

    if c["op"] == "rms_norm_backward":  # dx and dweight of F.rms_norm (graph built once)
        def fwd(x, w):
            return F.rms_norm(x, (D,), w, EPS)
        dy = torch.randn(c["shape"], generator=g, device=device, dtype=torch.float32).to(dt)

        def make_call(fn):
            xg, wg = x.detach().requires_grad_(True), w.detach().requires_grad_(True)
            y = fn(xg, wg)
            return lambda: torch.autograd.grad(y, (xg, wg), dy, retain_graph=True)
        return {"fn": fwd, "args": (x, w), "bwd": False, "make_call": make_call}
    if not q8:
        if add:
            def fwd(x, r, w):
                h = x + r
                return F.rms_norm(h, (D,), w, EPS), h
        else:
            def fwd(x, w):
                return F.rms_norm(x, (D,), w, EPS)
    else:
        if add:
            def fwd(x, r, w):
                h = x + r
                return quant(F.rms_norm(h.float(), (D,), w.float(), EPS)), h
        else:
            def fwd(x, w):
                return quant(F.rms_norm(x.float(), (D,), w.float(), EPS))
    if add:
        r = torch.randn(c["shape"], generator=g, device=device, dtype=torch.float32).to(dt)
        return {"fn": fwd, "args": (x, r, w), "bwd": False}
    return {"fn": fwd, "args": (x, w), "bwd": False}


def timed_callable(torch, spec, fn):
    """What to time: the forward; the backward alone (graph built once); or both."""
    if "make_call" in spec:
        return spec["make_call"](fn)
    if not spec["bwd"]:
        args = spec["args"]
        return lambda: fn(*args)
    x, w, b = (t.detach().requires_grad_(True) for t in spec["args"])
    dy = spec["dy"]
    if spec["fwd_too"]:
        def step():
            y = fn(x, w, b)
            return torch.autograd.grad(y, (x, w, b), dy)
        return step
    y = fn(x, w, b)
    return lambda: torch.autograd.grad(y, (x, w, b), dy, retain_graph=True)


def run_sweep(args, torch, bench, device):
    """Returns the JSON-able result of the sweep."""
    cases = llm_cases() if getattr(args, "suite", "sweep") == "llm" else sweep_cases()
    if device == "cpu":
        cases = [shrink(c, 1 << 14) for c in cases][: args.sweep_limit or len(cases)]
    elif args.sweep_limit:
        cases = cases[: args.sweep_limit]
    start = time.time()
    # Roofline: a device copy in the same run (read + write), as vknorm-bench's copy shader.
    nbytes = (1 << 30) if device != "cpu" else (1 << 24)
    src = torch.empty(nbytes // 4, device=device, dtype=torch.float32).fill_(1.0)
    dst = torch.empty_like(src)
    copy_ms = bench(lambda: dst.copy_(src))
    roof_gbps = 2 * nbytes / (copy_ms * 1e6)
    del src, dst
    coop_ok = None
    try:
        import torch._inductor.config as icfg
        coop_ok = hasattr(icfg.triton, "cooperative_reductions")
    except Exception:
        coop_ok = False
    rows = []
    for i, c in enumerate(cases):
        r = {"name": c["name"], "op": c["op"], "shape": c["shape"], "dtype": c["dtype"],
             "bytes": minimal_bytes(c)}
        print(f"[{i + 1}/{len(cases)}] {c['name']}", file=sys.stderr)
        try:
            spec = make_fns(torch, c, device)
        except Exception as e:  # out of memory, typically
            r["error"] = f"setup: {type(e).__name__}: {e}"[:300]
            rows.append(r)
            continue
        variants = [("eager", None)]
        over = time.time() - start > args.sweep_budget_s
        if not args.no_compile:
            variants.append(("compile", {}))
            _, _, nrows = geometry(c)
            if nrows <= 64:
                variants.append(("coop", {"triton.cooperative_reductions": True}))
        for label, patch in variants:
            if patch is not None and over:
                r[label + "_error"] = "n/a (skipped: --sweep-budget-s exceeded)"
                continue
            if label == "coop" and not coop_ok:
                r[label + "_error"] = "n/a (this torch has no triton.cooperative_reductions)"
                continue
            try:
                if patch is None:
                    fn = spec["fn"]
                else:
                    torch._dynamo.reset()
                    import torch._inductor.config as icfg
                    with icfg.patch(patch):
                        fn = torch.compile(spec["fn"], dynamic=False)
                        call = timed_callable(torch, spec, fn)
                        call()  # compile under the patched config
                call = timed_callable(torch, spec, fn)
                ms = bench(call)
                r[label + "_ms"] = ms
                r[label + "_pct_roofline"] = 100.0 * r["bytes"] / (ms * 1e6) / roof_gbps
            except Exception as e:
                r[label + "_error"] = f"n/a ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})"[:300]
        rows.append(r)
        del spec
        if device != "cpu":
            torch.cuda.empty_cache()
    return {"tool": f"compare_torch.py --suite {getattr(args, 'suite', 'sweep')}", "device": device_name(torch, device),
            "torch": torch.__version__, "roofline": {"method": "torch copy_ (1 GiB fp32), read + write",
                                                     "bytes": nbytes, "ms": copy_ms, "gbps": roof_gbps},
            "cooperative_reductions_setting": bool(coop_ok), "seconds": time.time() - start,
            "cases": rows}


def device_name(torch, device):
    return "cpu" if device == "cpu" else torch.cuda.get_device_name()


def write(result, path):
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {path}", file=sys.stderr)
