"""Building the OBS database: darwinlm's one-walk build against the reference pipeline, and the full
SmolLM2-135M build on this machine.

Part 1 (same run, same model prefix, same calibration tokens, same Hessians):
  reference: per block, forward with Hessian hooks (full X^T X products), greedy OBS one column at a time on full-size
  matrices (bench/obs_speed.py's reference), a dense zero-padded matrix per level saved with
  torch.save, then a second forward of the block for the next block's inputs;
  darwinlm: build_database (one forward per block, compacted block OBS, kept columns in safetensors).
Part 2: the whole SmolLM2-135M database (all 30 blocks): build time, peak memory, disk size, and
  disk relative to one dense matrix per level in the same dtype.
Each build runs in its own subprocess so that its peak resident memory is its own.
Part 1 runs at two calibration sizes (16 and 64 sequences), since only the OBS share of the work differs.
Its third row at each size, `shared`, is the work no OBS speed-up removes: one forward per block with darwinlm's
Hessian accumulation, feeding the next block (no OBS, nothing saved). `bound` = reference time / that: the most
any pipeline that runs each block forward once and accumulates the Hessians this way could reach.
Part 1 runs `--rounds` rounds (default 3) of the three builds in a shuffled order; speed-ups and bounds are paired
within a round and the median over rounds is reported, with every round's value next to it (this machine's speed
drifts by 20-30% between minutes).
Run: python bench/database_build.py [--prefix-blocks 4] [--seqs 64] [--seq-len 512] [--rounds 3]
"""
import argparse, json, os, random, resource, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import torch
from harness import save, table

def _calib(tok, seqs, seq_len):
    from darwinlm.data import make_pools, sample
    return sample(make_pools(tok)['calib'], seqs, seq_len, seed=0)

@torch.no_grad()
def reference_build(model, calib, out, levels=10, batch_size=8):
    from darwinlm.models import adapt
    from darwinlm.hessian import capture_hessians
    from darwinlm.database import first_block_inputs, run_block, removal_counts
    from obs_speed import reference_obs
    ad = adapt(model); out.mkdir(parents=True, exist_ok=True)
    xs = [first_block_inputs(model, b) for b in calib.split(batch_size)]
    for i in range(ad.n_layers):
        blk = ad.blocks[i]
        lins = {'attn': ad.proj(i, 'o'), 'mlp': ad.proj(i, 'down')}
        with capture_hessians(lins, blocks=1) as hs:                      # the plain full product X^T X
            for x, kw in xs: run_block(blk, x, kw)                     # forward 1: Hessians
        for k, lin in lins.items():
            H, _ = hs[k].finalize(0.01)
            g = ad.head_dim if k == 'attn' else 1
            counts = removal_counts(lin.in_features // g, levels, 1 if k == 'attn' else 32)
            snaps = reference_obs(lin.weight.float(), H, counts[1:-1], g)
            for lvl, c in enumerate(counts):                            # one dense matrix per level
                W = lin.weight if c == 0 else torch.zeros_like(lin.weight) if c == counts[-1] else snaps[c]
                torch.save(W.clone(), out/f'{ad.name(i, k)}.level{lvl}.pt')
        xs = [(run_block(blk, x, kw), kw) for x, kw in xs]              # forward 2: next inputs

@torch.no_grad()
def shared_walk(model, calib, batch_size=8):
    "One forward per block with darwinlm's (symmetric) Hessian accumulation, feeding the next block; nothing else."
    from darwinlm.models import adapt
    from darwinlm.hessian import capture_hessians
    from darwinlm.database import first_block_inputs, run_block
    ad = adapt(model)
    xs = [first_block_inputs(model, b) for b in calib.split(batch_size)]
    for i in range(ad.n_layers):
        with capture_hessians({'attn': ad.proj(i, 'o'), 'mlp': ad.proj(i, 'down')}) as hs:
            xs = [(run_block(ad.blocks[i], x, kw), kw) for x, kw in xs]
        for h in hs.values(): h.finalize(0.01)

def child(which, n_layers, seqs, seq_len, out):
    from darwinlm.models import load_smollm2
    from darwinlm.database import build_database, DatabaseConfig, Database
    model, tok = load_smollm2(n_layers=n_layers or None)
    calib = _calib(tok, seqs, seq_len)
    t = time.perf_counter()
    if which == 'reference': reference_build(model, calib, Path(out))
    elif which == 'shared': shared_walk(model, calib); Path(out).mkdir(parents=True, exist_ok=True)
    else: build_database(model, calib, out, DatabaseConfig(), calib_desc=f'{seqs}x{seq_len} tokens of the embedded corpus (calib pool)')
    secs = time.perf_counter() - t
    disk = sum(p.stat().st_size for p in Path(out).iterdir() if p.suffix in ('.pt', '.safetensors'))
    res = dict(which=which, blocks=n_layers or 30, seconds=secs, disk_bytes=disk,
               peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)
    if which == 'darwinlm': res |= {k: v for k, v in Database(out).size_report(model).items() if k != 'disk_bytes'}
    print('RESULT ' + json.dumps(res))

def run_child(which, n_layers, seqs, seq_len, out):
    cmd = [sys.executable, __file__, '--child', which, '--prefix-blocks', str(n_layers), '--seqs', str(seqs),
           '--seq-len', str(seq_len), '--out', str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, 'DARWINLM_PROGRESS': '0'})
    if p.returncode: sys.exit(p.stderr[-3000:])
    return json.loads(next(l for l in p.stdout.splitlines() if l.startswith('RESULT '))[7:])

def main(prefix_blocks=4, seqs=64, seq_len=512, full_out=None, cmp_seqs=(16, 64), rounds=3):
    tmp = Path(tempfile.mkdtemp())
    cmp_rows = []
    for n in cmp_seqs:        # the shared forward + Hessian cost grows with calibration size; OBS does not
        runs = {w: [] for w in ('reference', 'darwinlm', 'shared')}
        for k in range(rounds):                             # rounds in a shuffled order; ratios paired within a round
            order = list(runs); random.Random(k).shuffle(order)
            for w in order:
                shutil.rmtree(tmp/f'{w}{n}', ignore_errors=True)
                runs[w].append(run_child(w, prefix_blocks, n, seq_len, tmp/f'{w}{n}'))
        med = lambda v: sorted(v)[len(v)//2]
        ref = [r['seconds'] for r in runs['reference']]
        rows = []
        for w, rs in runs.items():
            r = dict(rs[-1]) | dict(calib=f'{n}x{seq_len}', seconds=med([x['seconds'] for x in rs]),
                                    seconds_runs=' '.join(f'{x["seconds"]:.1f}' for x in rs))
            ratio = [a/x['seconds'] for a, x in zip(ref, rs)]
            if w == 'shared': r['bound'], r['bound_runs'] = med(ratio), ' '.join(f'{x:.2f}' for x in ratio)
            else:
                r['speedup'], r['speedup_runs'] = med(ratio), ' '.join(f'{x:.2f}' for x in ratio)
                r['disk_vs_reference'] = r['disk_bytes']/runs['reference'][-1]['disk_bytes']
            rows.append(r)
        cmp_rows += rows
    print(f'Part 1: first {prefix_blocks} blocks')
    print(table(cmp_rows, ['which', 'calib', 'blocks', 'seconds', 'seconds_runs', 'speedup', 'speedup_runs', 'bound', 'bound_runs',
                           'peak_rss_mb', 'disk_bytes', 'disk_vs_reference']))
    full_out = Path(full_out or tmp/'full')
    if full_out.exists(): shutil.rmtree(full_out)
    full = run_child('darwinlm', 0, seqs, seq_len, full_out)
    print('Part 2: the whole SmolLM2-135M database')
    print(table([full], ['blocks', 'seconds', 'peak_rss_mb', 'disk_bytes', 'dense_per_level_bytes', 'ratio']))
    print(f'saved {save("database_build", dict(model="SmolLM2-135M", calib=f"{seqs}x{seq_len}", comparison=cmp_rows, full=full, full_database=str(full_out)))}')
    shutil.rmtree(tmp, ignore_errors=True)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--prefix-blocks', type=int, default=4); ap.add_argument('--seqs', type=int, default=64)
    ap.add_argument('--seq-len', type=int, default=512); ap.add_argument('--out', default=None)
    ap.add_argument('--child', default=None); ap.add_argument('--rounds', type=int, default=3)
    a = ap.parse_args()
    if a.child: child(a.child, a.prefix_blocks, a.seqs, a.seq_len, a.out)
    else: main(a.prefix_blocks, a.seqs, a.seq_len, a.out, rounds=a.rounds)
