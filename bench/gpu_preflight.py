"""Preflight of bench/gpu_training_aware.py on a device, in seconds and without SmolLM2: a tiny seeded Llama through
each path that script takes there (a database built on the device, and again in another process to the same numbers,
`rank_agreement`, `rank_repeat` in two parts,
`darwinlm-prune` one-shot and training-aware with post-training, the second reusing the first one's database,
`keep_run`), so that a device error shows before a long run starts. Prints 'preflight passed' and the seconds each step took, or the first error.
Never in CI. Run: python bench/gpu_preflight.py [--device cuda]
"""
import argparse, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import torch

def build(d:Path, device:str, out:str):
    "The preflight's database of the tiny model saved in `d`/m, built on `device` into `d`/`out`."
    from darwinlm.models import load_model
    from darwinlm.data import make_pools, sample
    from darwinlm.database import DatabaseConfig, build_database
    m, tok = load_model(d/'m', dtype=torch.bfloat16 if device == 'cuda' else torch.float32, device=device)
    return build_database(m, sample(make_pools(tok, seed=0)['calib'], 6, 32, seed=0), d/out, DatabaseConfig(device=device))

def main(device:str):
    from darwinlm.models import tiny_model, tiny_tokenizer
    from darwinlm.data import make_pools
    from darwinlm.database import Database
    from darwinlm.search import RankConfig, rank_agreement, rank_repeat, repeat_summary
    from darwinlm.prune import keep_run
    from darwinlm.core import load_json
    os.environ['DARWINLM_PROGRESS'] = '0'
    t, d = time.perf_counter(), Path(tempfile.mkdtemp())
    def lap(what):
        nonlocal t; print(f'{what}: {time.perf_counter() - t:.1f} s', flush=True); t = time.perf_counter()
    tok = tiny_tokenizer()
    m = tiny_model('llama', vocab_size=256, num_hidden_layers=3)
    m.save_pretrained(d/'m'); tok.save_pretrained(d/'m')
    m = m.to(device, torch.bfloat16 if device == 'cuda' else torch.float32)
    pools = make_pools(tok, seed=0)
    db = Database(build(d, device, 'db'), m)
    lap('database')
    subprocess.run([sys.executable, __file__, '--device', device, '--build', str(d), 'db2'], check=True)
    again = Database(d/'db2', m)
    assert again.numbers == db.numbers, ('a database built again on this device in another process has other numbers: a carried run would '
                                         f'be refused here (built on {db.built_on} and {again.built_on}); run it in one lease, or carry its database')
    lap(f'database again, another process: the same numbers ({db.numbers}, built on {db.built_on[0]["device"]})')
    res = rank_agreement(m, db, pools['select'], pools['finetune'], d/'rank',
                         RankConfig(parents=2, walk=2, offspring=3, tokens=64, seq_len=32, small=64, large=128))
    assert len(res['rows']) == 6, res
    lap('rank_agreement (6 children)')
    rep = [rank_repeat(m, db, pools['select'], pools['finetune'], d/'rank', k=1, part=(i, 2)) for i in (0, 1)][-1]
    assert len(rep) == 6 and repeat_summary(res['rows'], [rep])['finetunes'] == 2, rep
    lap('rank_repeat (2 parts)')
    base = ['--device', device, '--schedule', 'cpu', '--level', '4', '--db_seqs', '6', '--db_seq_len', '32', '--generations', '2',
            '--offspring', '3', '--survivors', '2,1', '--tokens', '32,64', '--seq_len', '32', '--post_tokens', '256',
            '--post_seq_len', '32', '--post_batch_size', '4', '--no-post_uniform', '--gguf', 'none']
    for arm, tt, extra in (('os', '0', []), ('ta', '64,128', ['--db', str(d/'os'/'db')])):
        subprocess.run(['darwinlm-prune', str(d/'m'), str(d/arm), '--seed', '0', '--train_tokens', tt, *base, *extra], check=True,
                       stdout=subprocess.DEVNULL)
        keep_run(d/arm, d/'kept'/arm)
        ev = load_json(d/'kept'/arm/'eval.json')
        assert any('post-train' in k for k in ev), ev
        lap(f'darwinlm-prune {arm}')
    shutil.rmtree(d, ignore_errors=True)
    print('preflight passed', flush=True)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--build', nargs=2, metavar=('DIR', 'OUT'), help='only build the preflight database of DIR/m into DIR/OUT (the step run in another process)')
    a = ap.parse_args()
    if a.build: build(Path(a.build[0]), a.device, a.build[1])
    else: main(a.device)
