"""Hessian accumulation: the symmetric block-row product against the plain full product X^T X.

`Hessian.add` computes only the upper block rows of H (`blocks` column groups) and mirrors the lower
triangle when H is read. Reference (same run): `blocks=1`, the full product. Inputs of SmolLM2's two
pruned layers (o_proj: 576, down_proj: 1536) in batches of 8 x 512 tokens, float32.
Run: python bench/hessian_speed.py [--tokens 4096] [--batches 8]
"""
import argparse, torch
from harness import measure, save, table
from darwinlm.hessian import Hessian

def main(tokens=4096, batches=8, repeat=5):
    g = torch.Generator().manual_seed(0)
    rows = []
    for d in (576, 1536):
        xs = [torch.randn(tokens, d, generator=g) for _ in range(batches)]
        def run(k):
            h = Hessian(d, blocks=k)
            for x in xs: h.add(x)
            return h.H
        ref_H, ref_t = run(1), measure(lambda: run(1), repeat)['median_s']
        for k in (1, 2, 3, 4, 6, 8):
            t = measure(lambda: run(k), repeat)['median_s']
            err = ((run(k) - ref_H).abs().max() / ref_H.abs().max()).item()
            rows.append(dict(n_in=d, blocks=k, default=k == min(6, d // 128), seconds=t, speedup=ref_t/t,
                             flop_share=sum(d - round(i*d/k) for i in range(k)) * d / k / d**2 if k > 1 else 1.0, rel_err=err))
    print(table(rows, ['n_in', 'blocks', 'default', 'seconds', 'speedup', 'flop_share', 'rel_err']))
    print(f'saved {save("hessian_speed", dict(tokens_per_batch=tokens, batches=batches, rows=rows))}')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--tokens', type=int, default=4096); ap.add_argument('--batches', type=int, default=8)
    main(**vars(ap.parse_args()))
