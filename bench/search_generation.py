"""Search generations: darwinlm's evolve() against a naive loop, same configuration, same run.

Both compute the dense targets for a fixed fitness set of 64 windows (the reference keeps
full-vocabulary dense logits of its calibration set in memory; darwinlm keeps the top-64), and every
selection step draws its windows from that set with the same seeded draws. The one-time dense pass is
reported separately (darwinlm's resumed runs repeat it; its per-generation time is the `seconds` its
history records, which leaves it out); the speed-up is per generation.
Naive loop (the reference implementation's shape): per offspring, deep-copy the model and write the
database's updated columns into full-size, zero-masked o_proj/down_proj weights; fitness is the exact
KL against the stored full-vocabulary dense log-probabilities; training-aware selection finetunes the
masked full-size copy (so removed columns receive gradients).
darwinlm: Stitcher (physically smaller modules switched in place, no copies), top-k dense targets,
one-shot KL kept per (genome, window) and offspring restarted at their first changed block,
finetuning in stitched form with Stitcher.restore.
Model: random-init Llama, hidden 512, 8 layers, 8 heads, MLP 1376, vocab 8000, sequences of 256.
Schedule: the paper's 16 offspring, survivors 8/4/2/1, fitness tokens 1024/2048/4096/8192; training
tokens scaled down 100x from the paper's 10K/50K/100K/200K to fit a CPU.
The two alternate generation by generation (naive generation g, then darwinlm's generation g, resumed
from its run folder), so that machine drift hits both alike; the speed-up is total time over total
time, with the per-generation ratios next to it.
The bound: the naive loop's replay also counts forward FLOPs (products: 2 per kept weight per token; causal
attention scores; the output head; a finetuning step counts 3 forwards) of the naive loop and of the least work any
implementation of the same selection must do: every offspring on every window it has not met yet (the kept-score rule
of `evolve`), from its first changed block on, with the parent's block states taken as free. `flop_ratio` = naive
FLOPs / least FLOPs; `naive_gflop_s` and `darwinlm_least_gflop_s` are each side's FLOPs (darwinlm: the least work,
although it does more) over its measured time. speed-up = flop_ratio x darwinlm_least_gflop_s / naive_gflop_s: any
speed-up beyond the FLOP ratio must come from running the same FLOPs at a higher rate than the naive loop.
Run: python bench/search_generation.py [--train-scale 0.01] [--generations 3]
"""
import argparse, tempfile, time, random
from dataclasses import replace
from pathlib import Path
import torch
from harness import save, table
from transformers import AutoModelForCausalLM
from darwinlm.models import tiny_config, randomize_
from darwinlm.core import generator
from darwinlm.data import split_stream, sample
from darwinlm.fitness import topk_targets
from darwinlm.database import build_database, Database, DatabaseConfig
from darwinlm.stitch import masked_model
from darwinlm.search import SearchConfig, evolve, Budget, mutate, finetune_, read_history, first_changed_block

def window_flops(db, c, genome, T, start=0):
    "Forward FLOPs of one T-token window for `genome` (model config `c`), from block `start` on (the output head included)."
    f = 0
    hd = getattr(c, 'head_dim', None) or c.hidden_size // c.num_attention_heads
    for m, l in zip(db.modules, genome):
        if int(m.split('.')[-2]) < start: continue
        f += 2 * T * db.schedule.params[m][l]                                              # the module's products
        if db.schedule.kinds[m] == 'attn':                                                 # QK^T and AV, causal half
            f += 2 * T * T * (c.num_attention_heads - db.schedule.counts[m][l]) * hd
    return f + 2 * T * c.hidden_size * c.vocab_size

def naive_generations(model, db, pool, tpool, cfg, flops):
    """The naive loop (same mutation, selection and token draws as evolve), one generation per `next()`:
    first the seconds of the one-time dense pass, then the seconds of each generation. Appends to `flops`
    (naive, least scoring, least finetuning) FLOP counts per generation (see the module docstring)."""
    t = time.perf_counter()
    budget = Budget(db, level=cfg.level)
    kinds = [db.schedule.kinds[m] for m in db.modules]
    rng, parent = random.Random(cfg.seed), budget.start()
    fset = sample(pool, cfg.select_windows, cfg.seq_len, seed=cfg.seed*1_000_003 - 1)
    with torch.no_grad(): dense_lp = torch.cat([model(b).logits.log_softmax(-1) for b in fset.split(cfg.batch_size)])  # full vocabulary, kept
    yield time.perf_counter() - t
    dense, T = [0]*len(db.modules), cfg.seq_len
    kept = {}                                                                  # genome -> windows met (evolve's kept scores)
    for gen in range(cfg.generations):
        t = time.perf_counter()
        fn = fl = ft = acct = 0                                               # acct: accounting time, left out
        seen = {tuple(parent)}
        cands = [mutate(parent, kinds, db.levels, budget, rng, seen) for _ in range(cfg.offspring)]
        for s, (surv, tok) in enumerate(zip(cfg.survivors, cfg.tokens)):
            if s == len(cfg.survivors) - 1: cands = cands + [parent]
            pick = torch.randperm(len(fset), generator=generator(cfg.seed*1_000_003 + gen*101 + s))[:-(-tok // cfg.seq_len)]
            seqs, lp = fset[pick], dense_lp[pick]
            tseqs = None if cfg.train_tokens is None else \
                sample(tpool, -(-cfg.train_tokens[s] // cfg.seq_len), cfg.seq_len, seed=cfg.seed*1_000_003 + gen*101 + s + 50)
            ta = time.perf_counter()
            for c in cands:                                                    # FLOP accounting
                ntr = 0 if tseqs is None else len(tseqs)
                fn += (3*ntr + len(pick)) * window_flops(db, model.config, dense, T)
                if tseqs is None:
                    new = [w for w in pick.tolist() if w not in kept.setdefault(tuple(c), set())]
                    kept[tuple(c)].update(new)
                    i = 0 if c == parent else first_changed_block(db, c, parent)
                    fl += len(new) * window_flops(db, model.config, c, T, start=i)
                else: fl, ft = fl + len(pick) * window_flops(db, model.config, c, T), ft + 3*ntr * window_flops(db, model.config, c, T)
            acct += time.perf_counter() - ta
            scores = []
            for c in cands:
                m = masked_model(model, db, dict(zip(db.modules, c)))          # deep copy + zero-masked full-size weights
                if tseqs is not None: finetune_(m, tseqs, cfg.lr, cfg.train_batch_size)
                with torch.no_grad():
                    lq = torch.cat([m(b).logits.log_softmax(-1) for b in seqs.split(cfg.batch_size)])
                    scores.append((lp.exp() * (lp - lq)).sum(-1).mean().item())
            order = sorted(range(len(cands)), key=lambda i: (scores[i], i))[:surv]
            cands = [cands[i] for i in order]
        parent = cands[0]
        kept = {tuple(parent): kept.get(tuple(parent), set())}
        flops.append((fn, fl, ft))
        yield time.perf_counter() - t - acct

def main(train_scale=0.01, level=5, generations=3):
    torch.manual_seed(0)
    cfg = tiny_config('llama', gqa=False, hidden_size=512, num_hidden_layers=8, num_attention_heads=8, num_key_value_heads=8,
                      head_dim=64, intermediate_size=1376, vocab_size=8000, tie_word_embeddings=False, attention_bias=False)
    model = randomize_(AutoModelForCausalLM.from_config(cfg), seed=0, scale=0.05).eval()
    stream = torch.randint(0, 8000, (400_000,), generator=torch.Generator().manual_seed(0))
    pools = split_stream(stream, dict(calib=0.1, select=0.4, finetune=0.5), chunk_len=2048)
    tmp = Path(tempfile.mkdtemp())
    db = Database(build_database(model, sample(pools['calib'], 16, 256), tmp/'db', DatabaseConfig()), model)
    rows = []
    for mode, tt in (('one-shot', None), ('training-aware', tuple(int(t*train_scale) for t in (10_000, 50_000, 100_000, 200_000)))):
        cfg = SearchConfig(level=level, generations=generations, seq_len=256, train_tokens=tt, topk=64, select_windows=64)
        flops = []
        naive = naive_generations(model, db, pools['select'], pools['finetune'], cfg, flops)
        tnd = next(naive)
        t = time.perf_counter()
        topk_targets(model, sample(pools['select'], cfg.select_windows, cfg.seq_len, seed=cfg.seed*1_000_003 - 1), cfg.topk, cfg.batch_size)
        tdd = time.perf_counter() - t
        tn, td = [], []
        for g in range(1, generations + 1):                  # alternate: naive generation g, then darwinlm's generation g
            tn.append(next(naive))                           # (darwinlm resumes its run folder for one more generation;
            evolve(model, db, pools['select'], tmp/mode, replace(cfg, generations=g), train_pool=pools['finetune'])
            td.append(read_history(tmp/mode)[-1]['seconds'])  #  its own per-generation time, dense targets excluded)
        pair = [a/b for a, b in zip(tn, td)]                   # in generation order
        rows.append(dict(mode=mode, train_tokens=str(tt), naive_dense_s=tnd, darwinlm_dense_s=tdd, naive_s_per_gen=sum(tn)/generations,
                         darwinlm_s_per_gen=sum(td)/generations, speedup=sum(tn)/sum(td), speedup_per_gen=' '.join(f'{x:.2f}' for x in pair),
                         naive_tflop_per_gen=sum(f[0] for f in flops)/generations/1e12,
                         least_tflop_per_gen=sum(f[1] + f[2] for f in flops)/generations/1e12,
                         flop_ratio=sum(f[0] for f in flops)/sum(f[1] + f[2] for f in flops),
                         naive_gflop_s=sum(f[0] for f in flops)/sum(tn)/1e9, darwinlm_least_gflop_s=sum(f[1] + f[2] for f in flops)/sum(td)/1e9))
    print(table(rows, ['mode', 'train_tokens', 'naive_dense_s', 'darwinlm_dense_s', 'naive_s_per_gen', 'darwinlm_s_per_gen', 'speedup',
                      'speedup_per_gen', 'flop_ratio', 'naive_gflop_s', 'darwinlm_least_gflop_s']))
    print(f'saved {save("search_generation", dict(model="random Llama 512x8, MLP 1376, vocab 8000", level=level, generations=generations, select_windows=64, rows=rows))}')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--train-scale', type=float, default=0.01)
    ap.add_argument('--generations', type=int, default=3)
    a = ap.parse_args(); main(a.train_scale, generations=a.generations)
