# Compiles a few norm compositions with torch.compile so that TORCH_LOGS=output_code prints
# the generated Triton kernels (stderr): what Triton does on shapes where vknorm loses.
import torch, torch.nn.functional as F
dev = "cuda"
def run(name, fn, *args):
    print(f"===== {name}", flush=True)
    import sys; print(f"===== {name}", file=sys.stderr, flush=True)
    f = torch.compile(fn, dynamic=False)
    f(*args); torch.cuda.synchronize()
t = lambda *s, dt=torch.float16: torch.randn(*s, device=dev, dtype=dt)
p = lambda n, dt=torch.float16: torch.ones(n, device=dev, dtype=dt)
run("ln_f16_4096x768", lambda x, w, b: F.layer_norm(x, (768,), w, b, 1e-5), t(4096, 768), p(768), p(768))
run("ln_bf16_2048x4544", lambda x, w, b: F.layer_norm(x, (4544,), w, b, 1e-5), t(2048, 4544, dt=torch.bfloat16), p(4544, torch.bfloat16), p(4544, torch.bfloat16))
def addrms(x, r, w):
    h = x + r
    return F.rms_norm(h, (3584,), w, 1e-6), h
run("addrms_bf16_2048x3584", addrms, t(2048, 3584, dt=torch.bfloat16), t(2048, 3584, dt=torch.bfloat16), p(3584, torch.bfloat16))
run("rms_bf16_16384x128", lambda x, w: F.rms_norm(x, (128,), w, 1e-6), t(16384, 128, dt=torch.bfloat16), p(128, torch.bfloat16))
run("in_f32_1x256x64x64", lambda x, w, b: F.instance_norm(x, weight=w, bias=b, eps=1e-5), t(1, 256, 64, 64, dt=torch.float32), p(256, torch.float32), p(256, torch.float32))
rm, rv = torch.zeros(512, device=dev), torch.ones(512, device=dev)
run("bn_bf16_32x512x28x28", lambda x, rm, rv, w, b: F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5), t(32, 512, 28, 28, dt=torch.bfloat16), rm, rv, p(512, torch.float32), p(512, torch.float32))
rm2, rv2 = torch.zeros(2048, device=dev), torch.ones(2048, device=dev)
run("bn_f32_32x2048x7x7", lambda x, rm, rv, w, b: F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5), t(32, 2048, 7, 7, dt=torch.float32), rm2, rv2, p(2048, torch.float32), p(2048, torch.float32))
run("gn_f16_2x320x64x64", lambda x, w, b: F.group_norm(x, 32, w, b, 1e-5), t(2, 320, 64, 64), p(320), p(320))
