"""Selection noise on SmolLM2-135M: how often does a selection schedule pick the truly best offspring?

Measures, on the offline test bed with the default corpus and the `darwinlm-prune` database settings
(32 x 256 calibration tokens): the one-shot KL of the uniform level-5 parent and of `--offspring`
sibling offspring (drawn by `mutate`, repaired across kinds) on each of `--windows` windows of
`--seq-len` tokens of the selection pool. The mean over all windows is taken as each genome's true
fitness. Then, for each schedule below, a generation is replayed `--draws` times: a random subset of
the siblings (as many as the schedule's offspring), and per step the schedule's number of windows
drawn with replacement from the measured ones (a bootstrap: a fresh set of windows of the same
size), the same windows for every candidate (paired), the parent joining the last step. Reported per
schedule: P(the winner is the true best of its candidates, parent included), P(a worse child
displaces the parent), the mean true-KL regret of the winner, the mean gain (the parent's true KL
minus the winner's: the progress of one generation), the cost in window-forwards per generation
(without kept scores or restarts), and the gain per 1000 window-forwards (progress per unit of time). Also the spread of sibling differences: the true
difference of each pair against the standard error of that difference on 1, 4, 16 and 64 windows.
The KL matrix is kept in the package cache, so a rerun only replays. Results: bench/results/selection_noise.json.
Run: python bench/selection_noise.py [--offspring 16] [--windows 128] [--seq-len 128]
"""
import argparse, itertools, json, random, time
import numpy as np, torch
from harness import save, table
from darwinlm.core import cache_dir, save_json, load_json
from darwinlm.models import load_model
from darwinlm.data import make_pools, sample
from darwinlm.database import build_database, Database, DatabaseConfig
from darwinlm.fitness import topk_targets, kl_topk
from darwinlm.stitch import Stitcher
from darwinlm.search import Budget, mutate

# schedules: (name, offspring, survivors, windows per step); windows of --seq-len tokens
SCHEDULES = [('2 / 1 / 4', 2, (1,), (4,)),
             ('2 / 1 / 16', 2, (1,), (16,)),
             ('4 / 1 / 8', 4, (1,), (8,)),
             ('cpu, before', 4, (2, 1), (2, 8)),
             ('4 / 2,1 / 2,16', 4, (2, 1), (2, 16)),
             ('4 / 2,1 / 4,16', 4, (2, 1), (4, 16)),
             ('8 / 2,1 / 2,8', 8, (2, 1), (2, 8)),
             ('8 / 2,1 / 4,16', 8, (2, 1), (4, 16)),
             ('8 / 4,2,1 / 2,4,16', 8, (4, 2, 1), (2, 4, 16)),
             ('8 / 4,2,1 / 4,8,32', 8, (4, 2, 1), (4, 8, 32)),
             ('8 / 2,1 / 8,64', 8, (2, 1), (8, 64)),
             ('16 / 4,1 / 4,32', 16, (4, 1), (4, 32)),
             ('16 / 4,2,1 / 2,4,16', 16, (4, 2, 1), (2, 4, 16)),
             ('paper (tokens)', 16, (8, 4, 2, 1), (8, 16, 32, 64))]

def measure(args):
    "Per-window KL of the parent and the siblings (cached)."
    root = cache_dir('bench', 'selection_noise')
    f = root/f'kl_{args.offspring}x{args.windows}x{args.seq_len}_seed{args.seed}.json'
    if f.exists(): return load_json(f)
    model, tok = load_model(None)
    pools = make_pools(tok, seed=0)
    if not (root/'db'/'manifest.json').exists():
        build_database(model, sample(pools['calib'], 32, 256, seed=0), root/'db', DatabaseConfig())
    db = Database(root/'db', model)
    budget, kinds = Budget(db, level=args.level), [db.schedule.kinds[m] for m in db.modules]
    parent, rng = budget.start(), random.Random(args.seed)
    seen = {tuple(parent)}
    kids = [mutate(parent, kinds, db.levels, budget, rng, seen) for _ in range(args.offspring)]
    fit = topk_targets(model, sample(pools['select'], args.windows, args.seq_len, seed=12345), 64, 8)
    st, kl, t = Stitcher(model, db), [], time.perf_counter()
    for g in [parent] + kids:
        kl.append(kl_topk(st.set_levels(dict(zip(db.modules, g))), fit, 8, per_seq=True))
    rec = dict(parent=parent, kids=kids, kinds=kinds, kl=kl, params=[budget.size(g) for g in [parent] + kids],
               budget=budget.params, seconds=round(time.perf_counter() - t, 1),
               tokens=(1 + args.offspring) * args.windows * args.seq_len)
    save_json(rec, f)
    return rec

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--offspring', type=int, default=16); ap.add_argument('--windows', type=int, default=128)
    ap.add_argument('--seq-len', type=int, default=128); ap.add_argument('--level', type=int, default=5)
    ap.add_argument('--draws', type=int, default=4000); ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    rec = measure(args)
    K = np.array(rec['kl'], dtype=np.float64)                            # [1 + offspring, windows]
    truth = K.mean(1)
    pairs = [(i, j) for i, j in itertools.combinations(range(1, K.shape[0]), 2)]
    d = np.array([K[i] - K[j] for i, j in pairs])
    true_d, sd = np.abs(d.mean(1)), d.std(1, ddof=1)
    sib = dict(true_abs_diff=dict(zip(('min', 'median', 'max'), np.quantile(true_d, [0, .5, 1]).round(4).tolist())),
               se_of_diff={n: dict(zip(('min', 'median', 'max'), np.quantile(sd / n**.5, [0, .5, 1]).round(4).tolist()))
                           for n in (1, 4, 16, 64)},
               kids_better_than_parent=int((truth[1:] < truth[0]).sum()),
               kids_moving_attention=sum('attn' in {k for a, b, k in zip(g, rec['parent'], rec['kinds']) if a != b}
                                         for g in rec['kids']))
    rng, rows = np.random.default_rng(args.seed), []
    for name, n_off, surv, steps in SCHEDULES:
        if n_off > K.shape[0] - 1 or max(steps) > 4 * K.shape[1]: continue
        best_hit = displaced = 0; regret, gain = [], []
        for _ in range(args.draws):
            cands = [int(i) + 1 for i in rng.choice(K.shape[0] - 1, n_off, replace=False)]
            field = cands + [0]
            for s, (sv, nw) in enumerate(zip(surv, steps)):
                if s == len(steps) - 1: cands = cands + [0]
                w = rng.integers(0, K.shape[1], nw)
                est = K[cands][:, w].mean(1)
                cands = [cands[i] for i in np.argsort(est, kind='stable')[:sv]]
            win, best = cands[0], min(field, key=lambda c: truth[c])
            best_hit += win == best; displaced += win != 0 and truth[win] > truth[0]
            regret.append(truth[win] - truth[best]); gain.append(truth[0] - truth[win])
        cost = sum((n if s < len(steps) - 1 else n + 1) * nw for s, (n, nw) in enumerate(zip((n_off,) + surv[:-1], steps)))
        rows.append(dict(schedule=name, offspring=n_off, survivors=list(surv), windows=list(steps),
                         p_best=round(best_hit / args.draws, 3), p_worse_child=round(displaced / args.draws, 3),
                         regret=round(float(np.mean(regret)), 5), gain=round(float(np.mean(gain)), 5), cost=cost,
                         gain_per_1000=round(1000 * float(np.mean(gain)) / cost, 4)))
    print(f"{rec['tokens']:,} tokens scored in {rec['seconds']} s; parent KL {truth[0]:.4f}; siblings {truth[1:].min():.4f}..{truth[1:].max():.4f}")
    print(json.dumps(sib, indent=1))
    print(table(rows, ['schedule', 'offspring', 'survivors', 'windows', 'p_best', 'p_worse_child', 'regret', 'gain', 'cost', 'gain_per_1000']))
    save('selection_noise', dict(args=vars(args), command='python bench/selection_noise.py ' + ' '.join(
        f'--{k.replace("_", "-")} {v}' for k, v in vars(args).items()), siblings=sib, schedules=rows,
        truth=truth.round(5).tolist(), params=rec['params'], budget=rec['budget'], measure_seconds=rec['seconds']))

if __name__ == '__main__': main()
