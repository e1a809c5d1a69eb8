"""Stitched vs dense SmolLM2-135M: prefill and decode throughput at uniform levels 2, 5 and 8.

The dense model is the reference, measured in the same run. Prefill is measured as generate() runs
it (KV cache filled, logits of the last position only; computing full-vocabulary logits for every
prompt position is memory-bound work that pruning does not touch and serving does not do), and its
speed-up is compared with the FLOP-count speed-up (blocks on every token, the output head on the
last), the best a smaller model of the same architecture can do. Needs the SmolLM2 database; it is built into
the cache if missing (a few minutes).
On a GPU the models run there (synchronised timings).
Speed-ups are paired: dense and stitched times of the same round (models in a shuffled order), then
the median over rounds, with the range over rounds next to it. Within a round each model's prefill runs
`--pf-runs` times back to back and the fastest counts (the run least disturbed by other work on the
machine; every model alike), then one decode.
Run: python bench/stitch_speed.py [--prefill 512] [--prompt 128] [--new 32] [--repeat 9] [--pf-runs 3] [--dtype float32|bfloat16]
"""
import argparse, random, time, torch
from harness import save, table
from darwinlm.core import cache_dir, num_params
from darwinlm.models import load_smollm2, adapt
from darwinlm.data import make_pools, sample
from darwinlm.database import build_database, Database, DatabaseConfig
from darwinlm.stitch import stitch

def prefill_flops(model, T):
    """Prefill FLOPs for one sequence of T tokens as generate() runs it: blocks on all T tokens, the
    output head on the last one only (2 x linear params x tokens + attention scores)."""
    ad = adapt(model)
    head = model.get_output_embeddings().weight.numel()
    blocks = sum(p.numel() for n, p in model.named_parameters() if n.endswith('weight') and p.ndim == 2
                 and 'embed' not in n and 'lm_head' not in n)
    attn = sum(4 * ad.heads(i) * ad.head_dim * T * (T + 1) / 2 for i in range(ad.n_layers))
    return 2 * blocks * T + 2 * head + attn

def main(prefill=512, prompt=128, new=32, repeat=9, levels=(2, 5, 8), dtype='float32', pf_runs=3):
    dense, tok = load_smollm2()
    path = cache_dir()/'db-smollm2-64x512'
    if not (path/'manifest.json').exists() or not Database(path).complete:
        calib = sample(make_pools(tok)['calib'], 64, 512, seed=0)
        build_database(dense, calib, path, DatabaseConfig(), calib_desc='64x512 tokens of the embedded corpus (calib pool, seed 0)')
    db = Database(path, dense)
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, dense.config.vocab_size, (1, prefill), generator=g)
    p = torch.randint(0, dense.config.vocab_size, (1, prompt), generator=g)
    dev = 'cuda' if torch.cuda.is_available() else 'cpu'
    dtype = dict(float32=torch.float32, bfloat16=torch.bfloat16)[dtype]
    models = {'dense': dense} | {f'level {l}': stitch(dense, db, l) for l in levels}
    models = {n: m.to(dev, dtype).eval() for n, m in models.items()}
    x, p = x.to(dev), p.to(dev)
    sync = torch.cuda.synchronize if dev == 'cuda' else (lambda: None)
    @torch.no_grad()
    def pf(m): m(x, use_cache=True, logits_to_keep=1)     # what generate() does for a prompt
    @torch.no_grad()
    def dec(m): m.generate(p, attention_mask=torch.ones_like(p), max_new_tokens=new, min_new_tokens=new, do_sample=False, pad_token_id=0)
    times = {n: dict(pf=[], dec=[]) for n in models}
    for m in models.values(): pf(m); dec(m)                   # warm-up
    order = list(models)
    for i in range(repeat):                                  # interleaved rounds, in a new order each round:
        random.Random(i).shuffle(order)                      # drift and position effects hit every model alike
        for n in order:
            for k, f, runs in (('pf', pf, pf_runs), ('dec', dec, 1)):
                ts = []
                for _ in range(runs):
                    sync(); t = time.perf_counter(); f(models[n]); sync(); ts.append(time.perf_counter() - t)
                times[n][k].append(min(ts))
    med = lambda v: sorted(v)[len(v)//2]
    rows = [dict(model=n, params_m=num_params(m)/1e6, flops_g=prefill_flops(m, prefill)/1e9,
                 prefill_tok_s=prefill/med(times[n]['pf']), decode_tok_s=new/med(times[n]['dec'])) for n, m in models.items()]
    ref = rows[0]
    for r in rows:                                           # speed-ups paired within a round, then the median over rounds
        pair = sorted(a/b for a, b in zip(times['dense']['pf'], times[r['model']]['pf']))
        r['flop_speedup'] = ref['flops_g']/r['flops_g']
        r['prefill_speedup'] = med(pair)
        r['prefill_speedup_range'] = f'{pair[0]:.2f}-{pair[-1]:.2f}'
        r['decode_speedup'] = med([a/b for a, b in zip(times['dense']['dec'], times[r['model']]['dec'])])
        r['prefill_vs_flops'] = r['prefill_speedup']/r['flop_speedup']
        r['prefill_vs_flops_range'] = f'{pair[0]/r["flop_speedup"]:.2f}-{pair[-1]/r["flop_speedup"]:.2f}'
    print(table(rows, ['model', 'params_m', 'flops_g', 'prefill_tok_s', 'prefill_speedup', 'flop_speedup', 'prefill_vs_flops',
                      'prefill_vs_flops_range', 'decode_tok_s', 'decode_speedup']))
    name = f'stitch_speed_{dev}' + ('' if prefill == 512 else f'_{prefill}') + ('' if dtype == torch.float32 else '_bf16')
    print(f'saved {save(name, dict(model="SmolLM2-135M", prefill_tokens=prefill, prompt=prompt, new_tokens=new, dtype=str(dtype), repeat=repeat, pf_runs=pf_runs, rows=rows))}')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--prefill', type=int, default=512); ap.add_argument('--prompt', type=int, default=128)
    ap.add_argument('--new', type=int, default=32); ap.add_argument('--repeat', type=int, default=9)
    ap.add_argument('--pf-runs', type=int, default=3)
    ap.add_argument('--dtype', default='float32', choices=['float32', 'bfloat16'])
    main(**vars(ap.parse_args()))
