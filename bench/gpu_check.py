"""A GPU check of the whole method at the paper's settings, in bfloat16, in at most 8 minutes on one H200.

SmolLM2-135M (the offline test bed) on the embedded corpus: the database from 64 x 2048 calibration tokens (the pool holds 90),
2 search generations with the paper's selection schedule (16 offspring, survivors 8 4 2 1 on 1024 2048 4096 8192
tokens) one-shot and 2 training-aware (10K 50K 100K 200K finetuning tokens per step), 1M post-training tokens with
distillation from the dense model, and the held-out perplexity. Prints and saves
bench/results/gpu_check.json: seconds, tokens/s and peak GPU memory per stage, against `darwinlm.plan`'s figures.
Never run in CI. Run (on a machine with a CUDA GPU): python bench/gpu_check.py [--out DIR]
"""
import argparse, json, os, tempfile, time
from pathlib import Path
import torch
from harness import save, machine

def stage(name, fn, rec, tokens=None):
    "Run `fn`, recording seconds, tokens/s and peak GPU memory of the stage."
    torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter(); out = fn(); torch.cuda.synchronize(); s = time.perf_counter() - t
    rec[name] = dict(seconds=round(s, 1), peak_gb=round(torch.cuda.max_memory_allocated()/1e9, 2),
                     **({'tokens_per_s': round(tokens/s)} if tokens else {}))
    print(name, rec[name], flush=True)
    return out

def main(out:Path):
    from darwinlm.models import load_model
    from darwinlm.data import make_pools, sample, windows
    from darwinlm.database import build_database, DatabaseConfig, Database
    from darwinlm.search import SearchConfig, evolve
    from darwinlm.stitch import stitch
    from darwinlm.train import TrainConfig, post_train
    from darwinlm.eval import perplexity
    from darwinlm.prune import SCHEDULES
    assert torch.cuda.is_available(), 'bench/gpu_check.py needs a CUDA GPU'
    os.environ.setdefault('DARWINLM_PROGRESS', '0')
    sch, rec = SCHEDULES['paper'], {}
    model, tok = load_model(None, dtype=torch.bfloat16, device='cuda')
    pools = make_pools(tok, seed=0)
    calib = sample(pools['calib'], 64, sch['db_seq_len'], seed=0)   # the embedded calibration pool holds 90 windows of 2048 (the paper: 128)
    db = stage('database', lambda: Database(build_database(model, calib, out/'db', DatabaseConfig(device='cuda')), model),
               rec, calib.numel())
    base = dict(level=5, offspring=sch['offspring'], survivors=sch['survivors'], tokens=sch['tokens'], seq_len=sch['seq_len'])
    os_run = stage('search one-shot (2 generations)', lambda: evolve(model, db, pools['select'], out/'s1', SearchConfig(generations=2, **base)), rec)
    stage('search training-aware (2 generations)', lambda: evolve(model, db, pools['select'], out/'s2',
          SearchConfig(generations=2, train_tokens=sch['train_tokens'], **base), train_pool=pools['finetune']), rec)
    pruned = stitch(model, db, os_run['levels'])
    tcfg = TrainConfig(tokens=1_000_000, seq_len=sch['post_seq_len'], batch_size=sch['post_batch_size'], micro_batch_size=8,
                       lr=sch['post_lr'], kd=0.5, mixed_precision='bf16', save_every=10**9)
    ev = windows(pools['eval'], 2048, limit=16)
    stage('post-train 1M tokens (KD)', lambda: post_train(pruned, pools['finetune'], out/'train', tcfg, teacher=model, eval_seqs=ev), rec, tcfg.tokens)
    ppl = stage('eval', lambda: perplexity(pruned, ev), rec, ev.numel())
    rec['perplexity'] = ppl
    from darwinlm.plan import database_plan, search_plan, train_plan, eval_plan
    c = model.config
    rec['plan_gb'] = {p.stage: round(p.device_peak/1e9, 2) for p in [
        database_plan(c, torch.bfloat16, 64, sch['db_seq_len'], DatabaseConfig(device='cuda')),
        search_plan(c, torch.bfloat16, SearchConfig(train_tokens=sch['train_tokens'], **base)), train_plan(c, torch.bfloat16, tcfg),
        eval_plan(c, torch.bfloat16, 16, 2048)]}
    rec['machine'] = machine()
    save('gpu_check', rec)
    return rec

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=None, help='working folder (default: a temporary one)')
    a = ap.parse_args()
    if a.out: main(Path(a.out))
    else:
        with tempfile.TemporaryDirectory() as d: main(Path(d))
