"""How compare_torch.py times PyTorch (shared/notes/measured.md, "How to time PyTorch").

- kernel(fn): GPU kernel time. torch.profiler (CUDA activity) over N calls, each after an L2
  flush; the device time of every kernel / memcpy / memset the calls launched, flush dropped,
  divided by N. This is what every ratio against vknorm (GPU timestamps) uses:
  triton.testing.do_bench times host events, and below ~100 us that is Python / dynamo launch
  cost, not the GPU.
- wall(fn): host wall time (do_bench median), kept beside it, never used in a ratio.
- clone(nbytes): kernel time of torch's clone of nbytes / 2 bytes (read nbytes/2 + write
  nbytes/2 = nbytes moved): torch's own copy floor for a case moving nbytes.
On the CPU (--smoke-cpu) all three are perf_counter wall clock; the numbers mean nothing.
"""
import math
import statistics
import time
import warnings

FLUSH_BYTES = 256 << 20  # well over the H200's 60 MB L2
TARGET_MS = 2.0          # aim for this much kernel time in one profile...
N_MIN, N_MAX = 20, 200   # ...with this many calls at least / at most
N_PILOT = 5              # calls of the first, rough profile that picks N
WARMUP_CALLS = 3
# Device-side events of the profiler that are no GPU work of the callable (kineto sync markers).
NOT_WORK = ("Context Sync", "Stream Sync", "Event Sync", "Stream Wait Event", "Device Sync")

METHOD = {
    "kernel": "torch.profiler, CUDA activity: device time of every kernel, memcpy and memset "
              "launched by N calls, each call after an L2 flush (add_ on a 256 MiB int32 buffer, "
              "whose kernels are dropped), divided by N; 3 warm-up calls first; N from a 5-call "
              "pilot: enough calls for >= 2 ms of kernel time, 20 <= N <= 200",
    "wall": "host wall time: triton.testing.do_bench median (host events around each call, L2 "
            "flushed); includes Python / dynamo launch cost; never used in a ratio",
    "clone": "kernel time (as above) of t.clone() of a uint8 tensor of bytes / 2 (a device to "
             "device copy moving the case's minimal bytes)",
}
CPU_METHOD = "--smoke-cpu: perf_counter wall clock on the CPU (median of 10 calls); means nothing"


class Timer:
    def __init__(self, torch, device, warmup_ms=10, rep_ms=40):
        self.torch, self.device, self.cpu = torch, device, device == "cpu"
        self.warmup_ms, self.rep_ms = warmup_ms, rep_ms
        self.clones = {}  # nbytes -> clone() result: one clone timing per byte count
        self.do_bench = None
        if self.cpu:
            return
        # One profile per timing, no schedule: its "clears events at the end of each cycle" is moot.
        warnings.filterwarnings("ignore", message=".*Profiler clears events.*")
        try:
            import triton.testing
            self.do_bench = triton.testing.do_bench
        except Exception:
            pass
        # An int32 add: an op no norm launches, so its kernel name marks the flush.
        self.flush_buf = torch.zeros(FLUSH_BYTES // 4, dtype=torch.int32, device=device)
        self.flush_names = self._flush_names()

    def methods(self):
        if self.cpu:
            return {"kernel": CPU_METHOD, "wall": CPU_METHOD, "clone": CPU_METHOD}
        m = dict(METHOD)
        if self.do_bench is None:
            m["wall"] = m["wall"].replace("triton.testing.do_bench", "CUDA events (no triton)")
        return m

    def _work_events(self, prof):
        """The profiler's device events that are GPU work, by start time."""
        from torch.autograd import DeviceType
        evs = [e for e in prof.events() if e.device_type == DeviceType.CUDA
               and not e.name.startswith(NOT_WORK) and "Synchronize" not in e.name]
        return sorted(evs, key=lambda e: e.time_range.start)

    def _flush(self):
        self.flush_buf.add_(1)

    def _flush_names(self):
        self._flush()
        self.torch.cuda.synchronize()
        with self.torch.profiler.profile(activities=[self.torch.profiler.ProfilerActivity.CUDA]) as prof:
            self._flush()
            self.torch.cuda.synchronize()
        names = {e.name for e in self._work_events(prof)}
        if len(names) != 1:
            raise RuntimeError(f"the L2 flush shows as {sorted(names)} in the profiler, not one kernel")
        return names

    def _profile(self, fn, n):
        torch = self.torch
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
            for _ in range(n):
                self._flush()  # first in each iteration, on the same stream as fn
                fn()
            torch.cuda.synchronize()
        evs = self._work_events(prof)
        flush = [e for e in evs if e.name in self.flush_names]
        note = None
        if len(flush) == n:
            work = [e for e in evs if e.name not in self.flush_names]
        else:
            # fn launched the flush's kernel too: every iteration starts with the flush, so with
            # the same number of events per iteration the first of each group is the flush.
            k, rest = divmod(len(evs), n)
            if rest or not all(evs[i * k].name in self.flush_names for i in range(n)):
                raise RuntimeError(f"cannot separate the L2 flush from the call's kernels: {len(flush)} "
                                   f"flush-named events for {n} calls, {len(evs)} events in all")
            work = [e for i, e in enumerate(evs) if i % k]
            note = (f"the call launches the flush's kernel too ({len(flush)} for {n} calls): dropped "
                    "the first event of each call's group instead")
        total_us = sum(e.time_range.elapsed_us() for e in work)
        per_call = len(work) / n
        return {"ms": total_us / n / 1e3, "n": n, "note": note,
                "kernels_per_call": int(per_call) if per_call == int(per_call) else round(per_call, 2)}

    def kernel(self, fn):
        """GPU kernel time per call of fn: {ms, kernels_per_call, n, note}."""
        if self.cpu:
            return self._cpu(fn)
        for _ in range(WARMUP_CALLS):
            fn()
        self.torch.cuda.synchronize()
        pilot = self._profile(fn, N_PILOT)
        n = min(N_MAX, max(N_MIN, math.ceil(TARGET_MS / max(pilot["ms"], 1e-4))))
        return self._profile(fn, n)

    def wall(self, fn):
        """Host wall time per call (ms), median."""
        if self.cpu:
            return self._cpu(fn)["ms"]
        if self.do_bench is not None:
            return float(self.do_bench(fn, warmup=self.warmup_ms, rep=self.rep_ms, return_mode="median"))
        torch = self.torch  # do_bench's method by hand: flush, events around one call
        fn()
        torch.cuda.synchronize()
        times = []
        while len(times) < 10 or (sum(times) < self.rep_ms and len(times) < 1000):
            self._flush()
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record()
            fn()
            e.record()
            torch.cuda.synchronize()
            times.append(s.elapsed_time(e))
        return statistics.median(times)

    def clone(self, nbytes):
        """kernel() of t.clone(), t a uint8 tensor of nbytes / 2 bytes; cached by nbytes."""
        nbytes = int(nbytes)
        if nbytes not in self.clones:
            t = self.torch.ones(max(1, nbytes // 2), dtype=self.torch.uint8, device=self.device)
            self.clones[nbytes] = self.kernel(lambda: t.clone())
            del t
            if not self.cpu:
                self.torch.cuda.empty_cache()
        return self.clones[nbytes]

    def roofline(self):
        """torch's clone of 1 GiB (16 MiB on the CPU): GB/s counting read + write."""
        copied = (1 << 24) if self.cpu else (1 << 30)
        r = self.clone(2 * copied)
        return {"method": "kernel time of t.clone() of a 1 GiB uint8 tensor; GB/s counts read + write",
                "bytes": copied, "ms": r["ms"], "gbps": 2 * copied / (r["ms"] * 1e6)}

    def _cpu(self, fn):
        fn()
        times = []
        for _ in range(10):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
        return {"ms": statistics.median(times), "kernels_per_call": None, "n": 10, "note": None}
