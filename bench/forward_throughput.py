"""SmolLM2-135M forward throughput (tokens/s) on this machine, for a few batch x sequence shapes.

The reference is batch 1 x 128 tokens, measured in the same run; every other shape is reported as a
ratio of its throughput to the reference's. Run: python bench/forward_throughput.py [--repeat 5]
"""
import argparse, torch
from harness import measure, save, table
from darwinlm.models import load_smollm2

SHAPES = [(1, 128), (1, 512), (4, 128), (8, 256), (4, 1024)]   # the first is the reference

def main(repeat:int=5, dtype:str='float32'):
    model, _ = load_smollm2(dtype=getattr(torch, dtype))
    dev = 'cuda' if torch.cuda.is_available() else 'cpu'
    model.to(dev)
    g = torch.Generator().manual_seed(0)
    rows = []
    for b, t in SHAPES:
        ids = torch.randint(0, model.config.vocab_size, (b, t), generator=g).to(dev)
        def fwd():
            with torch.no_grad(): model(ids, use_cache=False)
            if dev == 'cuda': torch.cuda.synchronize()
        m = measure(fwd, repeat=repeat)
        rows.append(dict(batch=b, seq_len=t, tokens=b*t, **m, tokens_per_s=b*t/m['median_s']))
    ref = rows[0]['tokens_per_s']
    for r in rows: r['vs_reference'] = r['tokens_per_s']/ref
    print(table(rows, ['batch', 'seq_len', 'tokens', 'median_s', 'tokens_per_s', 'vs_reference']))
    print(f'saved {save(f"forward_throughput_{dev}_{dtype}", dict(model="SmolLM2-135M", device=dev, dtype=dtype, reference="batch 1 x 128", rows=rows))}')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--repeat', type=int, default=5)
    ap.add_argument('--dtype', default='float32', choices=['float32', 'bfloat16'])
    main(**vars(ap.parse_args()))
