"""Figure 2 and Table 4 at the power their estimates ask for, on one CUDA GPU (prepared; never in CI).

Figure 2: `darwinlm.search.rank_agreement` with its defaults (4 parents of 16 SmolLM2 offspring at the level-5 budget,
finetunes of 8,192 and 65,536 tokens, KL on 2,048 selection tokens) into OUT/figure2.
Table 4: per seed, `darwinlm-prune` one-shot and training-aware (10K/50K finetuning tokens per selection step), both
with 30 generations of 8 offspring, survivors 2/1 on 1,024/4,096 fitness tokens and 1M post-training tokens with
distillation; the training-aware run reuses the one-shot run's database. Each finished run's records (no weights) are
kept in OUT/table4/{os,ta}-s<seed>, as `darwinlm.prune.keep_run` keeps them.

Every unit resumes where it stopped and a finished one is skipped, so running it again with the same OUT adds seeds;
no unit starts after --budget_s seconds. A 135M model leaves one H200 mostly idle, so the work runs in parallel
processes that share it: Figure 2 in --fig2_parts parts (each every k-th child, one run folder) and Table 4 in
--lanes lanes (one seed at a time each: its one-shot run, then its training-aware run). Each process writes its log
to OUT/logs/. Copy OUT/figure2 to nbs/results/figure2 (its parts' lines merged into offspring.jsonl) and OUT/table4/* to
nbs/results/table4/ to commit them (the tutorials read them there); where the run's copy of the checkout had no .git,
its run.json says commit null: write in the commit that was copied.
Run (on a CUDA GPU): python bench/gpu_training_aware.py [--out DIR] [--seeds 16] [--first_seed 0] [--budget_s 540]
                     [--parts figure2,table4] [--fig2_parts 4] [--fig2_seed 0] [--fig2_repeats 1] [--lanes 6]
                     [--stop_s S] [--partial DIR] [--results DIR]
Measured on one H200 (bench/results/gpu_training_aware.json): Figure 2 takes 2-5 minutes in 8 processes and each
--fig2_repeats repeat about 2 more; a Table 4 seed about 19-26 minutes in one of 8 lanes (a probe of 8 runs sharing
the GPU: training-aware generations of 23-40 s), so the 16 seeds need about 40-55 minutes of one H200: more than a
15-minute lease, and longer than one 10-minute device command (start it detached and poll).
So Table 4 goes lease by lease: with --stop_s, runs still going then are stopped, and every unfinished run's small
records (config, run.json, the search's state and history with its database's identity and numbers; no weights) go to --partial
(bench/results/table4_partial, written by darwinlm.prune.carry_run, committed with the lease's results; on a device
that returns only $OUT, copy it and OUT/table4 there). The next call, on any machine, restores them (restore_run) and
each run goes on from its last generation, its database built again (a run whose rebuilt database has other numbers
than the one its search began on refuses to go on: run the leases on one kind of GPU); runs already committed in
nbs/results/table4 are skipped. Keep --out at its default (the package cache) for that.
--fig2_repeats measures the run made in the same OUT (on a fresh machine: a new run, then its repeats).
--smoke: tiny settings on the CPU, to check the script end to end (minutes).
"""
import argparse, datetime, os, shlex, shutil, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import torch
from darwinlm.core import cache_dir, provenance, save_json, portable

TABLE4 = ['--level', '5', '--db_seqs', '64', '--db_seq_len', '2048',   # the embedded corpus's calibration pool holds 90 windows of 2048
           '--generations', '30', '--offspring', '8', '--survivors', '2,1',
          '--tokens', '1024,4096', '--seq_len', '512', '--post_tokens', '1000000', '--post_seq_len', '512', '--post_batch_size', '32',
          '--post_lr', '1e-4', '--no-post_uniform', '--gguf', 'none']
ARMS = dict(os='0', ta='10000,50000')
SMOKE4 = ['--level', '5', '--db_seqs', '4', '--db_seq_len', '64', '--generations', '3', '--offspring', '2', '--survivors', '1',
          '--tokens', '64', '--seq_len', '64', '--post_tokens', '512', '--post_seq_len', '64', '--post_batch_size', '4',
          '--no-post_uniform', '--gguf', 'none']
SMOKE_ARMS = dict(os='0', ta='128')

def _env():
    "One CPU thread per process: many processes share the GPU and the machine's cores."
    return os.environ | dict(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', DARWINLM_PROGRESS='0', PYTHONUNBUFFERED='1')

def _logged(cmd:list, log:Path, stop:float|None=None) -> int|None:
    "Run `cmd` with its output in `log` (appended); its exit status, or None when it was stopped at time `stop`."
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, 'a') as f:
        try: return subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=_env(), timeout=None if stop is None else max(1, stop - time.time())).returncode
        except subprocess.TimeoutExpired: return None

CHECKOUT = Path(__file__).resolve().parents[1]

def keep_partial4(runs:Path, done:list[Path], partial:Path):
    """`darwinlm.prune.carry_run` every unfinished run into `partial` (config, run.json, the search's records; no weights);
    drop the runs finished in any of `done` (kept or committed). One run's failure loses no other run's records."""
    from darwinlm.prune import carry_run
    finished = lambda name: any((d/name/'eval.json').exists() for d in done)
    for run in sorted(runs.glob('*-s*')):
        try:
            if not finished(run.name) and (run/'config.json').exists(): carry_run(run, partial/run.name)
        except Exception as e: print(f'{run.name} not carried: {type(e).__name__}: {e}', flush=True)
    for d in partial.glob('*-s*'):
        if finished(d.name): shutil.rmtree(d)

def restore_partial4(partial:Path, runs:Path) -> list[str]:
    """`darwinlm.prune.restore_run` every run of `partial` that has no folder in `runs` yet; the runs restored. Only the cache folder
    is written back as this machine's: keep --out in the package cache (the default) for a run to resume on another machine.
    A run whose database, built again, has other numbers than the one its search began on refuses to go on (see its log)."""
    from darwinlm.prune import restore_run
    back = []
    for d in sorted(partial.glob('*-s*')):
        if (runs/d.name).exists(): continue
        try: back.append(restore_run(d, runs/d.name).name)
        except Exception as e: print(f'{d.name} not restored: {type(e).__name__}: {e}', flush=True)
    return back

def _figure2_setup(out:Path, smoke:bool, device:str, seed:int=0):
    "SmolLM2, its pools and its database (built once, in out/db), and the experiment's config."
    from darwinlm.models import load_model
    from darwinlm.data import make_pools, sample
    from darwinlm.database import Database, DatabaseConfig, build_database
    from darwinlm.search import RankConfig
    dtype = torch.bfloat16 if device == 'cuda' else torch.float32
    model, tok = load_model(None, dtype=dtype, device=device)
    pools = make_pools(tok, seed=0)
    n, T = (4, 64) if smoke else (64, 512)
    db = Database(build_database(model, sample(pools['calib'], n, T, seed=0), out/'db', DatabaseConfig(device=device)), model)
    cfg = (RankConfig(parents=2, walk=2, offspring=3, tokens=128, seq_len=64, small=128, large=256, seed=seed) if smoke else RankConfig(seed=seed))
    return model, pools, db, cfg

def _fig2_run(out:Path, seed:int) -> Path: return out/('figure2' if seed == 0 else f'figure2-seed{seed}')   # seed: other parents and children

def figure2_part(out:Path, smoke:bool, device:str, part:tuple[int, int], seed:int=0, repeat:int=0):
    "Score one part of Figure 2's children (every k-th from the i-th); with `repeat` > 0, that repeat of their long finetune."
    from darwinlm.search import rank_agreement, rank_repeat
    model, pools, db, cfg = _figure2_setup(out, smoke, device, seed)
    if repeat:
        rows = rank_repeat(model, db, pools['select'], pools['finetune'], _fig2_run(out, seed), repeat, part=part)
        return print(f'figure2 repeat {repeat} part {part}: {len(rows)} children repeated by all parts', flush=True)
    res = rank_agreement(model, db, pools['select'], pools['finetune'], _fig2_run(out, seed), cfg, part=part)
    print(f'figure2 part {part}: {len(res["rows"])} children scored by all parts', flush=True)

def figure2(out:Path, smoke:bool, device:str, parts:int, seed:int=0, repeats:int=1):
    "Figure 2: the database once here, then `parts` processes share the children (then each repeat of the long finetune); the summary."
    from darwinlm.search import rank_summary, repeat_summary, read_records
    _figure2_setup(out, smoke, device)                       # builds out/db once, so that the parts only load it
    run = _fig2_run(out, seed); run.mkdir(parents=True, exist_ok=True)
    if not (run/'run.json').exists():
        save_json(provenance(['python', 'bench/gpu_training_aware.py', *sys.argv[1:]])
                  | dict(started=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'), device=device), run/'run.json')
    me = [sys.executable, __file__, '--out', str(out), '--fig2_seed', str(seed), *(['--smoke'] if smoke else [])]
    def in_parts(extra:list, name:str) -> list:             # `parts` processes, each its share of the children; their exit codes
        with ThreadPoolExecutor(parts) as ex:
            return list(ex.map(lambda i: _logged(me + ['--fig2_part', f'{i}/{parts}', *extra], out/'logs'/f'{name}-part{i}of{parts}.log'), range(parts)))
    def read(pattern): return [r for _, r in sorted(read_records(run, pattern).items())]
    rcs = in_parts([], run.name)
    rows = read('offspring*.jsonl')
    summ = rank_summary(rows) if rows else {}
    print('figure2: parts exited', rcs, f'{len(rows)} children;', {k: v for k, v in summ.items() if k != 'parents'}, flush=True)
    if any(rcs): return print('figure2: a part failed (see its log); no repeats', flush=True)
    for k in range(1, repeats):                             # the long finetune again on other token draws: how steady the reference is
        print(f'figure2 repeat {k}: parts exited', in_parts(['--fig2_repeat', str(k)], f'{run.name}-repeat{k}'), flush=True)
    if repeats > 1:
        reps = [read(f'repeat{k}.*jsonl') for k in range(1, repeats)]
        rs = repeat_summary(rows, reps)
        print('figure2 reference: test-retest rho', rs['rho'], f"mean of {rs['finetunes']}:", rs['rho_mean'], 'against it:',
              {k: v for k, v in rs['averaged'].items() if k != 'parents'}, flush=True)

def table4(out:Path, seeds:int, smoke:bool, device:str, deadline:float, lanes:int, first:int=0, stop:float|None=None,
           results:Path|None=None, partial:Path|None=None):
    """Table 4: `lanes` seeds at a time, each its one-shot run and then its training-aware run (which reuses the one-shot database).
    A run kept in `results` (the committed ones) is skipped; runs still going at time `stop` are stopped and, with every unfinished run,
    their records go to `partial`, from which the next call (on any machine) restores them and goes on from the last generation."""
    from darwinlm.prune import keep_run
    args, arms = (SMOKE4, SMOKE_ARMS) if smoke else (TABLE4, ARMS)
    if partial is not None and (back := restore_partial4(partial, out/'runs')): print('restored from', partial, back, flush=True)
    def seed(s):
        for arm, tt in arms.items():
            run, kept = out/'runs'/f'{arm}-s{s}', out/'table4'/f'{arm}-s{s}'
            if (kept/'eval.json').exists() or (results is not None and (results/kept.name/'eval.json').exists()): continue
            if time.time() > min(deadline, stop or deadline): print(f'budget spent: {arm}-s{s} not started', flush=True); return
            db = ['--db', str(out/'runs'/f'os-s{s}'/'db')] if arm != 'os' else []
            cmd = ['darwinlm-prune', str(run), '--seed', str(s), '--train_tokens', tt, '--device', device, *args, *db]
            print(portable(shlex.join(cmd)), flush=True)
            rc = _logged(cmd, out/'logs'/f'table4-{arm}-s{s}.log', stop)
            if rc is None: print(f'{arm}-s{s} stopped (--stop_s): it goes on from its records', flush=True); return
            if rc: print(f'{arm}-s{s} failed ({rc}): see its log; a run refused for a database rebuilt to other numbers goes on only where '
                         f'the build repeats (or delete {partial/run.name if partial else run} to start it over)', flush=True); return
            keep_run(run, kept); print(f'{arm}-s{s} kept', flush=True)
    def lane(s):                                            # one seed's failure stops that lane only, and loses no records
        try: seed(s)
        except Exception as e: print(f'seed {s}: {type(e).__name__}: {e}', flush=True)
    try:
        with ThreadPoolExecutor(lanes) as ex: list(ex.map(lane, range(first, first + seeds)))
    finally:
        if partial is not None:
            keep_partial4(out/'runs', [out/'table4'] + ([results] if results is not None else []), partial)
            print(f'unfinished runs kept in {portable(str(partial))}:', sorted(d.name for d in partial.glob('*-s*')), flush=True)

def main(out:Path, seeds:int, budget_s:float, parts:str, smoke:bool, fig2_parts:int, lanes:int, fig2_part:str|None, fig2_seed:int=0,
         first_seed:int=0, fig2_repeats:int=1, fig2_repeat:int=0, stop_s:float|None=None, results:Path|None=None, partial:Path|None=None):
    device = 'cpu' if smoke else 'cuda'
    assert smoke or torch.cuda.is_available(), 'bench/gpu_training_aware.py needs a CUDA GPU (or --smoke on the CPU)'
    if fig2_part: return figure2_part(out, smoke, device, tuple(map(int, fig2_part.split('/'))), fig2_seed, fig2_repeat)
    deadline, t0 = time.time() + budget_s, time.time()
    from darwinlm.models import load_model
    load_model(None)                                       # the GGUF is converted once, before the processes that read it start
    with ThreadPoolExecutor(2) as ex:                      # Figure 2 and Table 4 side by side
        jobs = [ex.submit(figure2, out, smoke, device, fig2_parts, fig2_seed, fig2_repeats)] if 'figure2' in parts else []
        if 'table4' in parts: jobs.append(ex.submit(table4, out, seeds, smoke, device, deadline, lanes, first_seed,
                                                     None if stop_s is None else t0 + stop_s, results, partial))
        for j in jobs: j.result()
    print(f'all done after {time.time() - t0:.0f} s', flush=True)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=None, help='working folder (default: the package cache, gpu-training-aware)')
    ap.add_argument('--seeds', type=int, default=16, help='Table 4 seeds (the power estimate: 16)')
    ap.add_argument('--first_seed', type=int, default=0, help='Table 4\'s first seed: a later lease goes on from the seeds already committed')
    ap.add_argument('--budget_s', type=float, default=540, help='no Table 4 run starts after this many seconds')
    ap.add_argument('--parts', default='figure2,table4')
    ap.add_argument('--fig2_parts', type=int, default=4, help='processes that share Figure 2\'s children')
    ap.add_argument('--lanes', type=int, default=6, help='Table 4 seeds run at a time')
    ap.add_argument('--fig2_seed', type=int, default=0, help='seed of Figure 2\'s parents, children and token draws (0: OUT/figure2, else OUT/figure2-seed<n>)')
    ap.add_argument('--fig2_repeats', type=int, default=1, help='long finetunes per child in Figure 2: the run\'s, then rank_repeat\'s (1: none)')
    ap.add_argument('--fig2_part', default=None, help=argparse.SUPPRESS)   # i/k: this process scores one part of Figure 2
    ap.add_argument('--fig2_repeat', type=int, default=0, help=argparse.SUPPRESS)   # with --fig2_part: that repeat's part
    ap.add_argument('--stop_s', type=float, default=None, help='Table 4 runs still going after this many seconds are stopped and kept in --partial')
    ap.add_argument('--results', default=None, help='committed Table 4 runs, skipped (default: nbs/results/table4; with --smoke: none)')
    ap.add_argument('--partial', default=None, help='unfinished Table 4 runs: restored from here, kept here (default: bench/results/table4_partial; with --smoke: OUT/partial)')
    ap.add_argument('--smoke', action='store_true', help='tiny settings on the CPU')
    a = ap.parse_args()
    out = Path(a.out) if a.out else cache_dir('gpu-training-aware' + ('-smoke' if a.smoke else ''))
    results = Path(a.results) if a.results else None if a.smoke else CHECKOUT/'nbs'/'results'/'table4'
    partial = Path(a.partial) if a.partial else out/'partial' if a.smoke else CHECKOUT/'bench'/'results'/'table4_partial'
    main(out, a.seeds, a.budget_s, a.parts, a.smoke, a.fig2_parts, a.lanes, a.fig2_part, a.fig2_seed, a.first_seed, a.fig2_repeats,
         a.fig2_repeat, a.stop_s, results, partial)
