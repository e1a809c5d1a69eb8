"""llama.cpp prefill and decode throughput of SmolLM2-135M: dense, uniform levels 2, 5, 8 and DarwinLM level 5.

Every model is exported with `darwinlm.export.export_gguf` (f16 matrices, the exporter's default) and run
through llama-cpp-python on all CPU cores. The dense model is the reference, measured in the same run:
rounds are interleaved, models in a new shuffled order each round, and speed-ups are paired within a
round (median over rounds, range next to it). Each speed-up is set against the FLOP-count speed-up of
the same model (blocks on every token, the output head on the last; attention scores at the context
length), the most a smaller model of the same architecture can gain, and the same count for what the
GGUF holds (`export_flop_speedup`: zero query heads and replicated KV heads of uneven groups included).
Times are wall-clock around llama-cpp-python's `eval` (its Python call included, the same for every model).

Prefill: one prompt of `--prefill` tokens into a fresh context, logits of the last position only (as
llama-cli does), fastest of `--pf-runs` per round. Decode: `--new` single-token steps after a 16-token prompt.
The models come from a `darwinlm-prune` run folder (its database for the uniform models, `trained/` for
DarwinLM); run README command (a) first, e.g. `darwinlm-prune ~/.cache/darwinlm/bench/gguf/seed0`.
Run: python bench/gguf_speed.py [--run DIR] [--prefill 256] [--new 64] [--repeat 7] [--pf-runs 3]
"""
import argparse, random, statistics, time
from pathlib import Path
import torch
from harness import save, table
from darwinlm.core import cache_dir
from darwinlm.models import load_smollm2, load_model, adapt
from darwinlm.database import Database
from darwinlm.stitch import stitch
from darwinlm.export import export_gguf, llamacpp, layer_plans

def flops(model, T:int, ctx:int=0) -> float:
    "Forward FLOPs for T new tokens after `ctx` cached ones, output head on the last token only."
    ad = adapt(model)
    head = model.get_output_embeddings().weight.numel()
    blocks = sum(p.numel() for n, p in model.named_parameters() if n.endswith('weight') and p.ndim == 2
                 and 'embed' not in n and 'lm_head' not in n)
    attn = sum(4 * ad.heads(i) * ad.head_dim * sum(ctx + t + 1 for t in range(T)) for i in range(ad.n_layers))
    return 2 * blocks * T + 2 * head + attn

def export_flops(model, T:int, ctx:int=0) -> float:
    "The same count for what the GGUF holds: its layer plans (zero query heads, replicated KV heads, 1-channel zero MLPs)."
    ad = adapt(model)
    lin = sum(ad.hidden * ad.head_dim * 2 * (p.n_head + p.n_head_kv) + 3 * ad.hidden * p.n_ff for p in layer_plans(model))
    attn = sum(4 * p.n_head * ad.head_dim * sum(ctx + t + 1 for t in range(T)) for p in layer_plans(model))
    return 2 * lin * T + 2 * model.get_output_embeddings().weight.numel() + attn

def main(run:Path, prefill=256, new=64, repeat=7, pf_runs=3, levels=(2, 5, 8)):
    dense, tok = load_smollm2()
    db = Database(run/'db', dense)
    models = {'dense': dense} | {f'uniform {l}': stitch(dense, db, l) for l in levels} | {'DarwinLM 5': load_model(str(run/'trained'))[0]}
    out = cache_dir('bench', 'gguf_speed')
    files = {n: export_gguf(m, out/f'{n.replace(" ", "_")}.f16.gguf', tok) for n, m in models.items()}
    llms = {n: llamacpp(f, n_ctx=prefill + 16 + new + 8, exact=False, logits_all=False) for n, f in files.items()}
    g = torch.Generator().manual_seed(0)
    x = torch.randint(3, dense.config.vocab_size, (prefill,), generator=g).tolist()
    p = torch.randint(3, dense.config.vocab_size, (16 + new,), generator=g).tolist()
    def pf(llm):
        llm.reset(); t = time.perf_counter(); llm.eval(x); return time.perf_counter() - t
    def dec(llm):
        llm.reset(); llm.eval(p[:16]); t = time.perf_counter()
        for k in range(new): llm.eval([p[16 + k]])
        return time.perf_counter() - t
    for llm in llms.values(): pf(llm); dec(llm)                 # warm-up
    times, order = {n: dict(pf=[], dec=[]) for n in llms}, list(llms)
    for i in range(repeat):
        random.Random(i).shuffle(order)
        for n in order:
            times[n]['pf'].append(min(pf(llms[n]) for _ in range(pf_runs)))
            times[n]['dec'].append(dec(llms[n]))
    rows = []
    for n, m in models.items():
        sp = {k: [times['dense'][k][r] / times[n][k][r] for r in range(repeat)] for k in ('pf', 'dec')}
        f_pf = flops(dense, prefill) / flops(m, prefill)
        f_dec = sum(flops(dense, 1, 16 + k) for k in range(new)) / sum(flops(m, 1, 16 + k) for k in range(new))
        e_pf = export_flops(dense, prefill) / export_flops(m, prefill)
        e_dec = sum(export_flops(dense, 1, 16 + k) for k in range(new)) / sum(export_flops(m, 1, 16 + k) for k in range(new))
        med = {k: statistics.median(v) for k, v in sp.items()}
        rows.append(dict(model=n, params_M=m.num_parameters() / 1e6, gguf_MB=files[n].stat().st_size / 1e6,
                         prefill_tok_s=prefill / statistics.median(times[n]['pf']), decode_tok_s=new / statistics.median(times[n]['dec']),
                         prefill_speedup=med['pf'], prefill_range=[min(sp['pf']), max(sp['pf'])], prefill_flop_speedup=f_pf,
                         prefill_of_flop=med['pf'] / f_pf, prefill_export_flop_speedup=e_pf,
                         decode_speedup=med['dec'], decode_range=[min(sp['dec']), max(sp['dec'])], decode_flop_speedup=f_dec,
                         decode_of_flop=med['dec'] / f_dec, decode_export_flop_speedup=e_dec))
    for llm in llms.values(): llm.close()
    print(table(rows, ['model', 'params_M', 'gguf_MB', 'prefill_tok_s', 'decode_tok_s', 'prefill_speedup', 'prefill_flop_speedup',
                       'prefill_export_flop_speedup', 'prefill_of_flop', 'decode_speedup', 'decode_flop_speedup', 'decode_export_flop_speedup', 'decode_of_flop']))
    import llama_cpp
    p = save('gguf_speed', dict(command=f'python bench/gguf_speed.py --prefill {prefill} --new {new} --repeat {repeat} --pf-runs {pf_runs}',
                                 run=f'darwinlm-prune (seed 0) run folder: {run.name}', llama_cpp_python=llama_cpp.__version__,
                                 outtype='f16', threads='all cores', rows=rows, times=times))
    print(f'saved {p}')

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument('--run', type=Path, default=cache_dir('bench', 'gguf', 'seed0'))
    a.add_argument('--prefill', type=int, default=256); a.add_argument('--new', type=int, default=64)
    a.add_argument('--repeat', type=int, default=7); a.add_argument('--pf-runs', type=int, default=3)
    main(**{k.replace('-', '_'): v for k, v in vars(a.parse_args()).items()})
