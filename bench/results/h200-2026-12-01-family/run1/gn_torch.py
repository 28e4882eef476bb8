# GroupNorm 32 groups f16 on SD shapes: torch eager and torch.compile (triton do_bench).
import torch, torch.nn.functional as F
from triton.testing import do_bench
for sh in [(2, 320, 64, 64), (2, 1280, 8, 8), (1, 128, 512, 512)]:
    x = torch.rand(sh, device="cuda", dtype=torch.float16)
    w = torch.ones(sh[1], device="cuda", dtype=torch.float16); b = torch.zeros_like(w)
    f = lambda t: F.group_norm(t, 32, w, b, 1e-5)
    e = do_bench(lambda: f(x), warmup=100, rep=500)
    fc = torch.compile(f); fc(x)
    c = do_bench(lambda: fc(x), warmup=100, rep=500)
    print(f"gn32 {sh} f16: eager {e*1000:.1f} us, torch.compile {c*1000:.1f} us")
