"""README command (a), `darwinlm-prune`, on the default (SmolLM2-135M, embedded corpus, cpu schedule) with three seeds.

Each seed runs `darwinlm-prune DIR --seed S` as a subprocess in its own resumable folder of the package
cache (a rerun after a crash continues where it stopped), timed as a whole. Reported per seed: the
held-out perplexity (Persuasion, a source never trained on; and the held-out Wikipedia articles) of
the dense, uniform level-5 and DarwinLM (searched) models, the last two also post-trained on the same tokens,
DarwinLM's reduction against uniform at the same size before and after that post-training, how many
blocks' attention levels differ from uniform (`attn_moved`) and how many keep another number of heads
(`heads_moved`: levels 5 and 6 keep the same 4 of 9), and the wall time. The medians over seeds go to bench/results/prune_seeds.json with the command.
Run: python bench/prune_seeds.py [--seeds 0 1 2] [--fresh]
"""
import argparse, json, shutil, statistics, subprocess, time
from pathlib import Path
from harness import save, table
from darwinlm.core import cache_dir, load_json
from darwinlm.prune import keep_run
from darwinlm.database import Schedule
from darwinlm.stitch import genome_allocation

NBS_RESULTS = Path(__file__).parent.parent/'nbs'/'results'/'prune_seeds'

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--fresh', action='store_true', help='delete earlier run folders first')
    ap.add_argument('--tag', default='default', help='sub-folder of the cache for this set of runs')
    args = ap.parse_args()
    rows = []
    for s in args.seeds:
        run = cache_dir('bench', 'prune_seeds', args.tag)/f'seed{s}'
        if args.fresh and run.exists(): shutil.rmtree(run)
        t = time.perf_counter()
        if not (run/'report.md').exists():
            subprocess.run(['darwinlm-prune', str(run), '--seed', str(s)], check=True)
            secs = time.perf_counter() - t
            (run/'wall_seconds.txt').write_text(f'{secs:.1f}\n')
        secs = float((run/'wall_seconds.txt').read_text())
        ev = load_json(run/'eval.json')
        uni = next(k for k in ev if k.startswith('uniform'))
        lv = load_json(run/'search'/'levels.json')['levels']
        sch, level = Schedule(**load_json(run/'db'/'manifest.json')['schedule']), load_json(run/'config.json')['level']
        keep_run(run, NBS_RESULTS/f'seed{s}')     # command, config, evaluation, search and training records (no weights)
        ppl = lambda label, key='perplexity': ev.get(label, {}).get(key)              # None for a row or measure the run lacks
        gain = lambda a, b, key='perplexity': round(1 - ppl(a, key)/ppl(b, key), 4) if ppl(a, key) and ppl(b, key) else None
        rows.append(dict(seed=s, minutes=round(secs/60, 1), dense=ppl('dense'), uniform=ppl(uni), darwinlm=ppl('DarwinLM'),
                         trained=ppl('DarwinLM + post-train'), uniform_trained=ppl(f'{uni} + post-train'),
                         trained_in=ppl('DarwinLM + post-train', 'perplexity_in'), uniform_trained_in=ppl(f'{uni} + post-train', 'perplexity_in'),
                         uniform_in=ppl(uni, 'perplexity_in'), darwinlm_in=ppl('DarwinLM', 'perplexity_in'),
                         reduction=gain('DarwinLM', uni), reduction_in=gain('DarwinLM', uni, 'perplexity_in'),
                         reduction_trained=gain('DarwinLM + post-train', f'{uni} + post-train'),
                         attn_levels=sorted(l for m, l in lv.items() if sch.kinds[m] == 'attn'),
                         attn_moved=sum(l != level for m, l in lv.items() if sch.kinds[m] == 'attn'),
                         heads_moved=sum(sch.counts[m][l] != sch.counts[m][level] for m, l in lv.items() if sch.kinds[m] == 'attn'),
                         params=ev['DarwinLM']['params'], uniform_params=ev[uni]['params'],
                         allocation=genome_allocation(sch, lv), uniform_allocation=genome_allocation(sch, {m: level for m in lv})))
    med = {k: statistics.median(r[k] for r in rows) for k in ('reduction', 'reduction_in', 'reduction_trained', 'minutes', 'darwinlm', 'uniform')
           if all(r[k] is not None for r in rows)}
    print(table(rows, ['seed', 'minutes', 'dense', 'uniform', 'darwinlm', 'uniform_trained', 'trained', 'reduction', 'uniform_in', 'darwinlm_in',
                       'reduction_in', 'reduction_trained', 'attn_moved', 'heads_moved']))
    print('median', json.dumps(med))
    save(f'prune_seeds' + ('' if args.tag == 'default' else f'_{args.tag}'),
         dict(command='python bench/prune_seeds.py --seeds ' + ' '.join(map(str, args.seeds)),
              runs=[f'darwinlm-prune DIR --seed {s}' for s in args.seeds], rows=rows, median=med))

if __name__ == '__main__': main()
