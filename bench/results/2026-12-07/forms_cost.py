# Cost of the 8-bit outputs against the 16-bit output of the same norm and shape (issue 23),
# from one lease's vknorm-bench JSON files: a case's time is its best median over the files
# given (alternating runs), for the build named by the files' glob.
#   python3 forms_cost.py p1/llm-new*.json p1/addrms_*.json > p1/forms-cost-new.md
import gzip, json, sys
best = {}
for path in sys.argv[1:]:
    for c in json.load((gzip.open if path.endswith('.gz') else open)(path))['cases']:
        if not c.get('ran'):
            continue
        n = c['name']
        if not n.startswith('llm_'):  # a --op run: name it as the llm suite would
            n = 'llm_addrms_%s_%s' % (c['shape'] if isinstance(c['shape'], str) else 'x'.join(map(str, c['shape'])), c['dtype'])
        t = c['time']['median_ms'] * 1000
        best[n] = min(best.get(n, t), t)
pairs = []
for n in best:
    m = n
    for tag, rep in (('rmsq8_', 'rmslast_'), ('addrmsq8_', 'addrms_'), ('rmsfp8e5m2_', 'rmslast_'), ('addrmsfp8e5m2_', 'addrms_'),
                     ('rmsfp8_', 'rmslast_'), ('addrmsfp8g128_', 'addrms_'), ('addrmsfp8_', 'addrms_')):
        if n.startswith('llm_' + tag):
            m = n.replace(tag, rep, 1)
            break
    m = m.replace('_f32res_f32p', '').replace('_f32p', '')
    if m != n and m in best and '_f32res' not in n:
        pairs.append((n, m))
print('| case | its time (us) | 16-bit output | its time (us) | ratio |')
print('| --- | --- | --- | --- | --- |')
for n, m in pairs:
    print(f'| {n} | {best[n]:.1f} | {m} | {best[m]:.1f} | {best[n] / best[m]:.3f} |')
