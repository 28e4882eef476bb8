# Cost of the issue-23 forms against the single-dtype 16-bit case of the same norm and shape
# (vknorm medians, one lease): quantized outputs (int8 / fp8 e4m3 / e5m2) and mixed dtypes.
import gzip, json, sys
d = {c['name']: c for c in json.load((gzip.open if sys.argv[1].endswith('.gz') else open)(sys.argv[1]))['cases']}
def t(n): return d[n]['time']['median_ms'] * 1000 if n in d and d[n].get('ran') else None
pairs = []
for n in d:
    base = None
    m = n
    for tag, rep in (('rmsq8_', 'rmslast_'), ('addrmsq8_', 'addrms_'), ('rmsfp8e5m2_', 'rmslast_'), ('addrmsfp8e5m2_', 'addrms_'),
                     ('rmsfp8_', 'rmslast_'), ('addrmsfp8_', 'addrms_')):
        if n.startswith('llm_' + tag):
            m = n.replace(tag, rep, 1)
            break
    m = m.replace('_f32res_f32p', '').replace('_f32p', '').replace('_f32res', '')
    if m != n and m in d:
        pairs.append((n, m))
print('| case | its time (us) | baseline | baseline (us) | ratio |')
print('| --- | --- | --- | --- | --- |')
for n, m in pairs:
    print(f'| {n} | {t(n):.1f} | {m} | {t(m):.1f} | {t(n)/t(m):.3f} |')
