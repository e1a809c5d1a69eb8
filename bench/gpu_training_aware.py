"""Figure 2 and Table 4 at the power their estimates ask for, on one CUDA GPU (prepared; never in CI).

Figure 2: `darwinlm.search.rank_agreement` with its defaults (4 parents of 16 SmolLM2 offspring at the level-5 budget,
finetunes of 8,192 and 65,536 tokens, KL on 2,048 selection tokens) into OUT/figure2.
Table 4: per seed, `darwinlm-prune` one-shot and training-aware (10K/50K finetuning tokens per selection step), both
with 30 generations of 8 offspring, survivors 2/1 on 1,024/4,096 fitness tokens and 1M post-training tokens with
distillation; the training-aware run reuses the one-shot run's database. Each finished run's records (no weights) are
kept in OUT/table4/{os,ta}-s<seed>, as `darwinlm.prune.keep_run` keeps them.

Every unit resumes where it stopped and a finished one is skipped, so running it again with the same OUT adds seeds;
no unit starts after --budget_s seconds. Copy OUT/figure2 to nbs/results/figure2 and OUT/table4/* to
nbs/results/table4/ to commit them (the tutorials read them there).
Run (on a CUDA GPU): python bench/gpu_training_aware.py [--out DIR] [--seeds 16] [--budget_s 540] [--parts figure2,table4]
--smoke: tiny settings on the CPU, to check the script end to end (minutes).
"""
import argparse, datetime, os, shlex, subprocess, sys, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import torch
from darwinlm.core import cache_dir, provenance, save_json, portable

TABLE4 = ['--level', '5', '--db_seqs', '128', '--db_seq_len', '2048', '--generations', '30', '--offspring', '8', '--survivors', '2,1',
          '--tokens', '1024,4096', '--seq_len', '512', '--post_tokens', '1000000', '--post_seq_len', '512', '--post_batch_size', '32',
          '--post_lr', '1e-4', '--no-post_uniform', '--gguf', 'none']
ARMS = dict(os='0', ta='10000,50000')
SMOKE4 = ['--level', '5', '--db_seqs', '4', '--db_seq_len', '64', '--generations', '1', '--offspring', '2', '--survivors', '1',
          '--tokens', '64', '--seq_len', '64', '--post_tokens', '512', '--post_seq_len', '64', '--post_batch_size', '4',
          '--no-post_uniform', '--gguf', 'none']
SMOKE_ARMS = dict(os='0', ta='128')

def figure2(out:Path, smoke:bool, device:str):
    from darwinlm.models import load_model
    from darwinlm.data import make_pools
    from darwinlm.database import Database, DatabaseConfig, build_database
    from darwinlm.data import sample
    from darwinlm.search import RankConfig, rank_agreement
    dtype = torch.bfloat16 if device == 'cuda' else torch.float32
    model, tok = load_model(None, dtype=dtype, device=device)
    pools = make_pools(tok, seed=0)
    n, T = (4, 64) if smoke else (64, 512)
    db = Database(build_database(model, sample(pools['calib'], n, T, seed=0), out/'db', DatabaseConfig(device=device)), model)
    cfg = (RankConfig(parents=2, walk=2, offspring=3, tokens=128, seq_len=64, small=128, large=256) if smoke else RankConfig())
    run = out/'figure2'; run.mkdir(parents=True, exist_ok=True)
    if not (run/'run.json').exists():
        save_json(provenance(['python', 'bench/gpu_training_aware.py', *sys.argv[1:]])
                  | dict(started=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'), device=device), run/'run.json')
    res = rank_agreement(model, db, pools['select'], pools['finetune'], run, cfg)
    print('figure2:', {k: v for k, v in res.items() if k != 'rows'}, flush=True)

def table4(out:Path, seeds:int, smoke:bool, device:str, deadline:float):
    from darwinlm.prune import keep_run
    args, arms = (SMOKE4, SMOKE_ARMS) if smoke else (TABLE4, ARMS)
    for s in range(seeds):
        for arm, tt in arms.items():
            run, kept = out/'runs'/f'{arm}-s{s}', out/'table4'/f'{arm}-s{s}'
            if (kept/'eval.json').exists(): continue
            if time.time() > deadline: print(f'budget spent: {arm}-s{s} and later not started', flush=True); return
            db = ['--db', str(out/'runs'/f'os-s{s}'/'db')] if arm != 'os' else []
            cmd = ['darwinlm-prune', str(run), '--seed', str(s), '--train_tokens', tt, '--device', device, *args, *db]
            print(portable(shlex.join(cmd)), flush=True); subprocess.run(cmd, check=True)
            keep_run(run, kept)

def main(out:Path, seeds:int, budget_s:float, parts:str, smoke:bool):
    device = 'cpu' if smoke else 'cuda'
    assert smoke or torch.cuda.is_available(), 'bench/gpu_training_aware.py needs a CUDA GPU (or --smoke on the CPU)'
    deadline, t0 = time.time() + budget_s, time.time()
    if 'figure2' in parts: figure2(out, smoke, device)
    print(f'figure2 done after {time.time() - t0:.0f} s', flush=True)
    if 'table4' in parts: table4(out, seeds, smoke, device, deadline)
    print(f'all done after {time.time() - t0:.0f} s', flush=True)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=None, help='working folder (default: the package cache, gpu-training-aware)')
    ap.add_argument('--seeds', type=int, default=16, help='Table 4 seeds (the power estimate: 16)')
    ap.add_argument('--budget_s', type=float, default=540, help='no unit starts after this many seconds')
    ap.add_argument('--parts', default='figure2,table4')
    ap.add_argument('--smoke', action='store_true', help='tiny settings on the CPU')
    a = ap.parse_args()
    main(Path(a.out) if a.out else cache_dir('gpu-training-aware' + ('-smoke' if a.smoke else '')), a.seeds, a.budget_s, a.parts, a.smoke)
