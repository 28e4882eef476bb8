"""The PyTorch side of vknorm-bench's suites sweep, llm and zoo (compare_torch.py --suite ...).

The cases come from the binary (`vknorm-bench --suite NAME --list`, no device opened) or from
a JSON file of the same form (--cases-json), so names, shapes and minimal bytes are vknorm's
own; zoo_table.py / sweep_table.py join the two result files on the case names. Each case is
timed with PyTorch eager and torch.compile(dynamic=False): GPU kernel time (the number every
ratio uses), host wall time beside it, and the kernel time of torch's clone of the same bytes
(torch_timing.py). A case that fails or is skipped keeps the reason in <variant>_error / error.
"""
import fnmatch
import json
import math
import os
import re
import subprocess
import sys
import time

DTYPES = {"f32": "float32", "f16": "float16", "bf16": "bfloat16"}
VARIANTS = ("eager", "compile")


def load_cases(args, repo):
    """(cases, where they came from): --cases-json FILE, else `BENCH --suite S --list`."""
    if args.cases_json:
        with open(args.cases_json) as f:
            data = json.load(f)
        source = args.cases_json
    else:
        bench = args.bench
        if not os.path.isabs(bench) and not os.path.exists(bench) and os.path.exists(os.path.join(repo, bench)):
            bench = os.path.join(repo, bench)
        cmd = [bench, "--suite", args.suite, "--list"]
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        except OSError as e:
            raise RuntimeError(f"cannot run {bench} ({e}); build it, pass --bench PATH, or --cases-json FILE")
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()[:300]}")
        out = proc.stdout
        data = json.JSONDecoder().raw_decode(out[out.find("{"):])[0]  # tolerate log lines around it
        source = " ".join(cmd)
    cases = data["cases"] if isinstance(data, dict) else data
    want = [p for p in (args.case or "").split(",") if p]  # names or shell patterns
    if want:
        cases = [c for c in cases if any(fnmatch.fnmatchcase(c["name"], p) for p in want)]
    if args.sweep_limit:
        cases = cases[: args.sweep_limit]
    return cases, source


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def shrink(c, limit=1 << 14):
    """--smoke-cpu: halve the leading (then the largest) dimension until the case is tiny."""
    shape, n0 = list(c["shape"]), numel(c["shape"])
    while numel(shape) > limit and shape[0] > 1:
        shape[0] = (shape[0] + 1) // 2
    while numel(shape) > limit:
        i = max(range(len(shape)), key=lambda k: shape[k])
        shape[i] = (shape[i] + 1) // 2
    groups = c.get("groups") or 0
    if c["op"] == "group_norm" and groups and len(shape) > 1 and shape[1] % groups:
        shape[1] = groups
    if c["op"] == "group_norm_nhwc" and groups and len(shape) > 1 and shape[-1] % groups:
        shape[-1] = groups
    return dict(c, shape=shape, bytes=max(1, int(c.get("bytes", 0) * numel(shape) / n0)))


def default_groups(C):
    """vknorm's group_norm default (support/ops/group_norm.h): largest divisor of C <= sqrt(C)."""
    return max(d for d in range(1, math.isqrt(C) + 1) if C % d == 0)


def forward(fn, *args):
    return fn, lambda f: (lambda: f(*args))


def gradient(torch, fn, inputs, dy, fwd_too):
    """autograd.grad of fn wrt its non-None inputs, given dy; the graph is built once
    (retain_graph) unless the forward is part of the timed call."""
    def make_call(f):
        leaves = [None if t is None else t.detach().requires_grad_(True) for t in inputs]
        wrt = [t for t in leaves if t is not None]
        if fwd_too:
            return lambda: torch.autograd.grad(f(*leaves), wrt, dy)
        y = f(*leaves)
        return lambda: torch.autograd.grad(y, wrt, dy, retain_graph=True)
    return fn, make_call


def make_fns(torch, c, device):
    """(fn, make_call) for a case: fn is what torch.compile wraps, make_call(fn or its compiled
    form) gives the zero-argument callable that is timed. None: no composition for the op.
    fp32 math as PyTorch does it; storage in the case's dtype."""
    F = torch.nn.functional
    op, shape, eps = c["op"], list(c["shape"]), float(c.get("eps", 1e-5))
    affine = c.get("affine", True)
    dt = getattr(torch, DTYPES[c["dtype"]])
    g = torch.Generator(device=device).manual_seed(1)
    gen_dt = dt if device != "cpu" else torch.float32  # older CPU builds lack 16-bit rand

    def rand(s):  # U[0, 1), as KernelBench's torch.rand and vknorm-bench's inputs
        return torch.rand(s, generator=g, device=device, dtype=gen_dt).to(dt)

    def randn(s, dtype=None):
        return torch.randn(s, generator=g, device=device, dtype=gen_dt).to(dtype or dt)

    def param(s, base, dtype=None):  # weight ~ 1, bias ~ 0; None without affine
        if not affine:
            return None
        return (base + 0.25 * torch.randn(s, generator=g, device=device)).to(dtype or dt)

    x = rand(shape)
    C = shape[1] if len(shape) > 1 else shape[0]
    # Mixed precision (f32_params): fp32 weight / bias beside 16-bit x; the norm then runs in
    # fp32 (as autocast runs it) and its output is stored in x's dtype.
    pdt = torch.float32 if c.get("f32_params") else None
    D = shape[-1]
    norm = shape[len(shape) - int(c.get("normalized_rank", 1)):]

    if op == "rms_norm":  # over dim 1 of (N, C, d...), weight [C]
        wshape = [1, C] + [1] * (len(shape) - 2)

        def rms_dim1(x, w):
            xf = x.float()
            y = xf * torch.rsqrt(xf.pow(2).mean(1, keepdim=True) + eps)
            return (y if w is None else y * w.float().view(wshape)).to(x.dtype)
        return forward(rms_dim1, x, param([C], 1.0))
    if op == "l1_norm":
        return forward(lambda x: x / torch.mean(torch.abs(x), dim=1, keepdim=True), x)
    if op == "l2_norm":
        return forward(lambda x: x / torch.norm(x, p=2, dim=1, keepdim=True), x)
    if op == "frobenius_norm":
        return forward(lambda x: x / torch.norm(x, p="fro"), x)
    if op in ("layer_norm", "add_layer_norm", "layer_norm_backward", "layer_norm_fwd_bwd"):
        w, b = param(norm, 1.0, pdt), param(norm, 0.0, pdt)

        def ln(x, w, b):
            if pdt is not None and x.dtype != pdt:
                return F.layer_norm(x.float(), norm, w, b, eps).to(x.dtype)
            return F.layer_norm(x, norm, w, b, eps)
        if op == "layer_norm":
            return forward(ln, x, w, b)
        if op == "add_layer_norm":  # the unfused PyTorch code; h is returned, as residual_out
            if c.get("add_bias"):  # ONNX SkipLayerNormalization: x + skip + bias
                def skip_ln(x, r, sb, w, b):
                    h = x + r + sb
                    return ln(h, w, b), h
                return forward(skip_ln, x, randn(shape), param(norm, 0.0), w, b)

            def add_ln(x, r, w, b):
                h = x + r
                return ln(h, w, b), h
            return forward(add_ln, x, randn(shape), w, b)
        return gradient(torch, ln, [x, w, b], randn(shape), op == "layer_norm_fwd_bwd")
    ada_quant = {"ada_layer_norm_q8": "_q8", "ada_layer_norm_fp8": "_fp8", "ada_rms_norm_fp8e5m2": "_fp8e5m2",
                 "gated_ada_layer_norm_fp8": "_fp8"}
    if op in ("ada_layer_norm", "ada_rms_norm", "gated_ada_layer_norm", "gated_ada_rms_norm") or op in ada_quant:
        # A DiT block's modulate(norm(x), shift, scale) with the modulation per shape[0] (as
        # vknorm's cases), and the gated residual in front for the gated forms; h is returned.
        # Quantized forms (ada_norm's i8 / f8 y): the modulated value in fp32, then codes as the
        # rms composition makes them (rms_last_fns): a per-row dynamic scale, or the static
        # 4 / QMAX of the gated case.
        mshape = [shape[0]] + [1] * (len(shape) - 2) + [D] if len(shape) > 1 else [D]
        rms = "rms" in op
        w = param([D], 1.0)
        b = None if rms else param([D], 0.0)
        quant = ada_quant_fn(torch, op, ada_quant.get(op))

        def norm_of(h, w, b):
            if quant is not None:  # fp32 all the way to the codes
                hf = h.float()
                return F.rms_norm(hf, [D], None if w is None else w.float(), eps) if rms else F.layer_norm(
                    hf, [D], None if w is None else w.float(), None if b is None else b.float(), eps)
            return F.rms_norm(h, [D], w, eps) if rms else F.layer_norm(h, [D], w, b, eps)

        def out(n, sc, sh):
            y = n * (1 + sc) + sh
            return y if quant is None else quant(y)
        sc, sh = 0.5 * randn(mshape), 0.5 * randn(mshape)
        if op.startswith("gated_"):
            def gated(x, r, gate, sc, sh, w, b):
                h = r + gate * x
                return out(norm_of(h, w, b), sc, sh), h
            return forward(gated, x, randn(shape), 0.5 + 0.25 * randn(mshape), sc, sh, w, b)
        return forward(lambda x, sc, sh, w, b: out(norm_of(x, w, b), sc, sh), x, sc, sh, w, b)
    if op in ("gated_rms_norm", "gated_rms_norm_gate_first"):
        # mamba_ssm's RMSNormGated / Qwen3-Next's gated norm as their reference code writes it.
        w = param([D], 1.0)

        def gated_rms(x, z, w):
            xf, zf = x.float(), z.float()
            if op == "gated_rms_norm_gate_first":
                xf = xf * F.silu(zf)
            y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
            if w is not None:
                y = y * w.float()
            if op == "gated_rms_norm":
                y = y * F.silu(zf)
            return y.to(x.dtype)
        return forward(gated_rms, x, randn(shape), w)
    if op in ("qk_norm_rope", "qk_norm_rope_gptj"):
        # QK-norm + RoPE as HF / vLLM compose it (Qwen3Attention: q_norm / k_norm per head, then
        # the rotary embedding): x is the packed (T, q_heads + kv_heads, head_dim) buffer of
        # vknorm-bench (groups = kv_heads), F.rms_norm per head times the weight, then the
        # rotation with the same fp32 cos_sin_cache (positions 0 .. T - 1; gptj: computed, as
        # vknorm's gptj case, here from the same table).
        T, H = shape[0], shape[1]
        hk = int(c.get("groups") or 0)
        hk = hk if 1 <= hk < H else max(1, H // 4)
        hq = H - hk
        gptj = op == "qk_norm_rope_gptj"
        rot = min(D // 2 * 2, max(2, D // 2 // 2 * 2)) if gptj else D // 2 * 2
        inv_freq = 1.0 / (1e6 ** (torch.arange(0, rot, 2, device=device, dtype=torch.float32) / rot))
        freqs = torch.outer(torch.arange(T, device=device, dtype=torch.float32), inv_freq)
        cache = torch.cat([freqs.cos(), freqs.sin()], dim=-1)  # vLLM's cos_sin_cache layout
        positions = torch.arange(T, device=device)

        def qk_norm_rope(x, wq, wk, cache, positions):
            cos, sin = cache[positions].chunk(2, dim=-1)
            cos, sin = cos[:, None, :], sin[:, None, :]

            def one(t, w):
                n = F.rms_norm(t, (D,), w, eps).float()
                if gptj:
                    a, b = n[..., 0:rot:2], n[..., 1:rot:2]
                    r = torch.stack([a * cos - b * sin, b * cos + a * sin], dim=-1).flatten(-2)
                else:
                    a, b = n[..., : rot // 2], n[..., rot // 2: rot]
                    r = torch.cat([a * cos - b * sin, b * cos + a * sin], dim=-1)
                return torch.cat([r, n[..., rot:]], dim=-1).to(t.dtype)
            return one(x[:, :hq], wq), one(x[:, hq:], wk)
        return forward(qk_norm_rope, x, param([D], 1.0), param([D], 1.0), cache, positions)
    if op in ("rms_norm_last", "add_rms_norm", "rms_norm_last_q8", "add_rms_norm_q8", "rms_norm_last_fp8",
              "add_rms_norm_fp8", "rms_norm_last_fp8e5m2", "add_rms_norm_fp8e5m2", "add_rms_norm_fp8_g128",
              "rms_norm_backward"):
        return rms_last_fns(torch, c, x, param([D], 1.0, pdt), randn, eps)
    if op == "group_norm_nhwc":
        # vknorm's (N, spatial.., C) is torch's channels_last memory format: x stays in that
        # memory, seen as its NCHW-shaped permutation (x.is_contiguous(memory_format=
        # torch.channels_last) for 4-D), which F.group_norm takes as a model passes it.
        C = shape[-1]
        x = x.permute(0, len(shape) - 1, *range(1, len(shape) - 1))
        op = "group_norm"
    if op == "group_norm":
        groups = int(c.get("groups") or 0) or default_groups(C)
        act = c.get("activation", "none")
        if act == "silu":  # GroupNorm -> SiLU as a diffusion UNet / VAE writes it
            return forward(lambda x, w, b: F.silu(F.group_norm(x, groups, w, b, eps)), x, param([C], 1.0), param([C], 0.0))
        if act == "gelu_tanh":
            return forward(lambda x, w, b: F.gelu(F.group_norm(x, groups, w, b, eps), approximate="tanh"),
                           x, param([C], 1.0), param([C], 0.0))
        return forward(lambda x, w, b: F.group_norm(x, groups, w, b, eps), x, param([C], 1.0), param([C], 0.0))
    if op in ("batch_norm", "batch_norm_eval", "instance_norm", "instance_norm_eval"):
        # fp32 weight / bias / running stats, as mixed-precision models keep them (and as
        # batch_norm's CUDA kernels need them with 16-bit x).
        w, b = param([C], 1.0, torch.float32), param([C], 0.0, torch.float32)
        rm = 0.1 * torch.rand(C, generator=g, device=device)
        rv = 1.0 + 0.1 * torch.rand(C, generator=g, device=device)
        if op == "instance_norm":  # no running statistics
            return forward(lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=eps), x, w, b)
        if op == "instance_norm_eval":
            return forward(lambda x, rm, rv, w, b: F.instance_norm(
                x, rm, rv, w, b, use_input_stats=False, eps=eps), x, rm, rv, w, b)
        training = op == "batch_norm"  # training: running stats updated on every call (KernelBench #33)
        return forward(lambda x, rm, rv, w, b: F.batch_norm(
            x, rm, rv, w, b, training=training, momentum=0.1, eps=eps), x, rm, rv, w, b)
    return None


def ada_quant_fn(torch, op, suffix):
    """ada_norm's quantized y as vknorm's cases make it (None for a 16/32-bit y): codes of the
    fp32 modulated value with a per-row dynamic scale max|y| / QMAX (returned beside the codes),
    or the static scale 4 / QMAX for the gated case; float8 clamped to +-QMAX, then torch's
    conversion (as rms_last_fns)."""
    if suffix is None:
        return None
    qtype = {"_q8": torch.int8, "_fp8": getattr(torch, "float8_e4m3fn", None),
             "_fp8e5m2": getattr(torch, "float8_e5m2", None)}[suffix]
    if qtype is None:
        raise RuntimeError(f"this torch has no {suffix[1:]} dtype")
    qmax = 127.0 if qtype is torch.int8 else float(torch.finfo(qtype).max)

    def code(v):
        v = torch.clamp(v, -qmax, qmax)
        return (torch.round(v) if qtype is torch.int8 else v).to(qtype)

    def quant(y):
        if op.startswith("gated_"):
            return code(y / (4.0 / qmax))
        s = y.abs().amax(-1, keepdim=True) / qmax
        return code(y / s), s
    return quant


def rms_last_fns(torch, c, x, w, randn, eps):
    """F.rms_norm over the last dim; the fused add as the unfused PyTorch code (h = x + r, then
    the norm; h is returned, as residual_out); int8 / float8 output as vLLM's per-token dynamic
    (or, for the add_* forms, static 4/QMAX) quantization of the fp32 normalized value (float8:
    clamped to +-QMAX, then torch's conversion)."""
    F = torch.nn.functional
    op, D = c["op"], c["shape"][-1]
    # <op>_g<G>: a dynamic scale per G elements of a row (vLLM's per-token-group fp8 quant).
    group = 0
    if re.search(r"_g\d+$", op):
        op, group = op[:op.rfind("_g")], int(op[op.rfind("_g") + 2:])
    if hasattr(F, "rms_norm"):
        rms = F.rms_norm
    else:  # torch < 2.4: the same math by hand
        def rms(x, shape, w, eps):
            xf = x.float()
            y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
            return (y if w is None else y * w.float()).to(x.dtype)
    add = op.startswith("add_")
    qtype = {"_q8": torch.int8, "_fp8": getattr(torch, "float8_e4m3fn", None),
             "_fp8e5m2": getattr(torch, "float8_e5m2", None)}.get(op[op.rfind("_"):])
    q8 = op.endswith(("_q8", "_fp8", "_fp8e5m2"))
    if q8 and qtype is None:
        raise RuntimeError(f"this torch has no {op[op.rfind('_') + 1:]} dtype")
    qmax = 127.0 if qtype is torch.int8 else float(torch.finfo(qtype).max) if q8 else 1.0
    scale = 4.0 / qmax

    def code(v):
        v = torch.clamp(v, -qmax, qmax)
        return (torch.round(v) if qtype is torch.int8 else v).to(qtype)

    def quant(y):
        if group:  # per group of G elements, the last one shorter where G does not divide D
            pad = -D % group
            yg = F.pad(y, (0, pad)).unflatten(-1, (-1, group))
            s = yg.abs().amax(-1, keepdim=True) / qmax
            return code(yg / s).flatten(-2)[..., :D], s.squeeze(-1)
        if add:  # the add_* forms: static scale, as the vknorm case
            return code(y / scale)
        s = y.abs().amax(-1, keepdim=True) / qmax
        return code(y / s), s

    def norm(h, w):
        if q8:
            return quant(rms(h.float(), (D,), None if w is None else w.float(), eps))
        if w is not None and w.dtype != h.dtype:  # fp32 weight beside 16-bit x (f32_params)
            return rms(h.float(), (D,), w, eps).to(h.dtype)
        return rms(h, (D,), w, eps)
    if op == "rms_norm_backward":  # dx (and dweight) of F.rms_norm
        return gradient(torch, lambda x, w: rms(x, (D,), w, eps), [x, w], randn(c["shape"]), False)
    # f32_residual: the residual stream in fp32 (h = residual + x in fp32, returned in fp32), y in
    # x's dtype.
    rdt = torch.float32 if c.get("f32_residual") else None

    def hsum(*terms):
        return sum(t.float() for t in terms) if rdt is not None else sum(terms)

    def norm_out(h, w):  # y in x's dtype (quantized codes as they are)
        y = norm(h, w)
        return y if q8 else y.to(x.dtype)
    if add and c.get("add_bias"):  # ONNX SkipSimplifiedLayerNormalization: x + skip + bias
        def skip_norm(x, r, sb, w):
            h = hsum(x, r, sb)
            return norm_out(h, w), h
        return forward(skip_norm, x, randn(c["shape"], rdt), torch.randn(D, device=x.device, dtype=x.dtype), w)
    if add:
        def add_norm(x, r, w):
            h = hsum(x, r)
            return norm_out(h, w), h
        return forward(add_norm, x, randn(c["shape"], rdt), w)
    return forward(norm, x, w)


def err(e):
    first = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {first}"[:300]


def time_case(args, torch, timer, device, c, r, over_budget):
    """Fills r for case c (a function, so that its tensors die when it returns)."""
    try:
        r["torch_clone_ms"] = timer.clone(c["bytes"])["ms"]
    except Exception as e:
        r["torch_clone_error"] = err(e)
    try:
        built = make_fns(torch, c, device)
    except Exception as e:  # out of memory, typically
        r["error"] = "setup: " + err(e)
        return
    if built is None:
        r["error"] = f"no torch composition for op {c['op']}"
        return
    fn, make_call = built
    for v in VARIANTS:
        if v == "compile" and args.no_compile:
            r[v + "_error"] = "skipped (--no-compile)"
            continue
        if v == "compile" and over_budget:
            r[v + "_error"] = f"skipped: --sweep-budget-s {args.sweep_budget_s:g} s exceeded"
            continue
        call = None
        try:
            f = fn
            if v == "compile":
                torch._dynamo.reset()  # else a later shape can get a dynamic-shape kernel
                f = torch.compile(fn, dynamic=False)
            call = make_call(f)
            call()  # compiles
            k = timer.kernel(call)
            r[v + "_kernel_ms"], r[v + "_kernels_per_call"], r[v + "_n"] = k["ms"], k["kernels_per_call"], k["n"]
            if k["note"]:
                r[v + "_note"] = k["note"]
            r[v + "_wall_ms"] = timer.wall(call)
        except Exception as e:
            r[v + "_error"] = err(e)
        del call
    done = [v for v in VARIANTS if r.get(v + "_kernel_ms")]
    if done:
        best = min(done, key=lambda v: r[v + "_kernel_ms"])
        r["torch_best"], r["torch_best_kernel_ms"] = best, r[best + "_kernel_ms"]
        if r.get("torch_clone_ms"):
            r["torch_efficiency"] = r["torch_clone_ms"] / r["torch_best_kernel_ms"]


def run_sweep(args, torch, timer, device, repo):
    """Returns the JSON-able result of the suite."""
    start = time.time()
    cases, source = load_cases(args, repo)
    if device == "cpu":
        cases = [shrink(c) for c in cases]
    roof = timer.roofline()
    rows = []
    for i, c in enumerate(cases):
        r = {k: c.get(k) for k in ("name", "model", "op", "dtype", "shape", "bytes")}
        rows.append(r)
        t0 = time.time()
        time_case(args, torch, timer, device, c, r, time.time() - start > args.sweep_budget_s)
        if device != "cpu":
            torch.cuda.empty_cache()
        done = [f"{v} {r[v + '_kernel_ms'] * 1e3:.1f} us" for v in VARIANTS if r.get(v + "_kernel_ms")]
        print(f"[{i + 1}/{len(cases)}] {c['name']}: {', '.join(done) or r.get('error', 'no time')} "
              f"({time.time() - t0:.1f} s)", file=sys.stderr)
    return {"tool": f"compare_torch.py --suite {args.suite}", "suite": args.suite, "cases_from": source,
            "device": "cpu" if device == "cpu" else torch.cuda.get_device_name(),
            "torch": torch.__version__, "method": timer.methods(), "roofline": roof,
            "sweep_budget_s": args.sweep_budget_s, "seconds": time.time() - start, "cases": rows}


def write(result, path):
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    print(f"wrote {path}", file=sys.stderr)
