# vknorm (best median of the given vknorm-bench JSON files) beside torch's kernel time (eager
# and torch.compile, compare_torch.py's JSON), same lease, raw times: ratio = torch's best / vknorm
# (above 1: vknorm faster).   python3 torch_raw.py p2/torch-llm.json p1/llm-new*.json
import gzip, json, math, sys
torch = {c['name']: c for c in json.load((gzip.open if sys.argv[1].endswith('.gz') else open)(sys.argv[1]))['cases']}
vk = {}
for path in sys.argv[2:]:
    for c in json.load((gzip.open if path.endswith('.gz') else open)(path))['cases']:
        if c.get('ran'):
            t = c['time']['median_ms'] * 1000
            vk[c['name']] = min(vk.get(c['name'], t), t)
print('| case | vknorm us | eager us | compile us | torch best / vknorm |')
print('| --- | --- | --- | --- | --- |')
ratios = []
for n, c in torch.items():
    if n not in vk or not c.get('torch_best_kernel_ms'):
        continue
    e, k = c.get('eager_kernel_ms'), c.get('compile_kernel_ms')
    r = c['torch_best_kernel_ms'] * 1000 / vk[n]
    ratios.append(r)
    f = lambda v: f'{v * 1000:.1f}' if v else 'n/a'
    print(f'| {n} | {vk[n]:.1f} | {f(e)} | {f(k)} | {r:.2f} |')
print(f'\n{len(ratios)} cases: torch best / vknorm >= 1 on {sum(r >= 1 for r in ratios)}, geometric mean '
      f'{math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}, min {min(ratios):.2f}')
