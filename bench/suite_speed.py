"""lm-eval suite time on SmolLM2-135M: each distinct context run once (darwinlm's shared-context path) against lm-eval's HFLM.

Per task of Table 3's suite (SciQ, PIQA, ARC-E, ARC-C 0-shot, HellaSwag 0-shot, WinoGrande 5-shot, BoolQ, offline
copies), the same documents are scored by both paths in paired rounds whose order alternates (HFLM first in odd
rounds); reported: each path's median seconds, the speed-up per round (median and range) and whether the scores
are the same. Run: python bench/suite_speed.py [--limit 40] [--rounds 2]
"""
import argparse, os, statistics, time
os.environ.setdefault('HF_HUB_OFFLINE', '1')
from harness import save, table
from darwinlm.models import load_smollm2
from darwinlm.eval import run_lm_eval, write_suite, suite_shots
from darwinlm.core import cache_dir

TASKS = 'sciq,piqa,arc_easy,arc_challenge:0,hellaswag:0,winogrande,boolq'

def main(limit:int=40, rounds:int=2):
    model, tok = load_smollm2()
    shots = suite_shots(TASKS)
    folder = cache_dir('lm_eval_tasks', 'bench-suite-speed')
    names, skipped = write_suite(folder, shots, True, 100)
    rows = []
    for t, n in names.items():
        times, scores = {True: [], False: []}, {}
        ratios = []
        for r in range(rounds):
            order = (False, True) if r % 2 == 0 else (True, False)
            got = {}
            for shared in order:
                t0 = time.perf_counter()
                res = run_lm_eval(model, tok, [n], folder, limit, 8, shared_context=shared)
                got[shared] = time.perf_counter() - t0
                times[shared].append(got[shared]); scores[shared] = res['results'][n]
            ratios.append(got[False]/got[True])
        same = {k: scores[True][k] == scores[False][k] for k in scores[True] if k.endswith(',none') and 'stderr' not in k}
        rows.append(dict(task=t, docs=limit, hflm_s=statistics.median(times[False]), shared_s=statistics.median(times[True]),
                         speedup=statistics.median(ratios), speedup_min=min(ratios), speedup_max=max(ratios),
                         same_scores=all(same.values()), acc=scores[True].get('acc,none')))
        print(table(rows[-1:], list(rows[-1])), flush=True)
    tot = dict(hflm=sum(r['hflm_s'] for r in rows), shared=sum(r['shared_s'] for r in rows))
    print(table(rows, list(rows[0])))
    print(f"whole suite: {tot['hflm']:.0f} s with HFLM, {tot['shared']:.0f} s shared ({tot['hflm']/tot['shared']:.2f}x)")
    print(f"saved {save('suite_speed', dict(model='SmolLM2-135M', tasks=TASKS, limit=limit, rounds=rounds, reference='lm-eval HFLM, same documents, same run', rows=rows, total_s=tot))}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--limit', type=int, default=40)
    ap.add_argument('--rounds', type=int, default=2)
    main(**vars(ap.parse_args()))
