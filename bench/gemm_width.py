"""Matrix-product rate against width, and fused vs separate projections, at SmolLM2's shapes.

Why a stitched model's prefill falls short of its FLOP-count speed-up: pruning makes the products of
o_proj/q_proj (heads) and gate/up/down (channels) narrower. This measures, for one 512-token prefill
row block (x: 512 x 576), the FLOP rate of each projection at the widths of uniform levels 0, 2, 5 and
8, relative to the dense width (the reference, same run), and whether fusing gate+up (one product of
twice the width) or q+k+v would win back what the narrow products lose.
Run: python bench/gemm_width.py [--tokens 512] [--repeat 30]
"""
import argparse, torch
import torch.nn.functional as F
from harness import measure, save, table
from darwinlm.database import removal_counts

HID, INTER, HEADS, KV, HD = 576, 1536, 9, 3, 64            # SmolLM2-135M

def widths(level):
    "Kept query heads and MLP channels at a uniform level (the database's default schedule)."
    return HEADS - removal_counts(HEADS)[level], INTER - removal_counts(INTER, step=32)[level]

def main(tokens=512, repeat=30):
    x = torch.randn(tokens, HID)
    rows, ref = [], {}
    for level in (0, 2, 5, 8):
        h, n = widths(level)
        kv = min(h, KV) * HD                                   # K/V heads still read by a kept query head (at most)
        shapes = dict(q=(h*HD, HID), o=(HID, h*HD), gate_up=(n, HID), down=(HID, n))
        for name, (o, i) in shapes.items():
            W, xi = torch.randn(o, i), (x if i == HID else torch.randn(tokens, i))
            k = 2 if name == 'gate_up' else 1
            t = measure(lambda: [F.linear(xi, W) for _ in range(k)], repeat)['median_s']
            gf = 2 * tokens * o * i * k / t / 1e9
            ref.setdefault(name, gf)
            rows.append(dict(level=level, proj=name, out=o, inp=i, gflops=gf, rate_vs_dense=gf / ref[name]))
        g, u = torch.randn(n, HID), torch.randn(n, HID); gu = torch.cat([g, u])
        q, kk, v = torch.randn(h*HD, HID), torch.randn(kv, HID), torch.randn(kv, HID); qkv = torch.cat([q, kk, v])
        sep = measure(lambda: (F.linear(x, g), F.linear(x, u)), repeat)['median_s']
        fus = measure(lambda: F.linear(x, gu).split(n, -1), repeat)['median_s']
        sep3 = measure(lambda: (F.linear(x, q), F.linear(x, kk), F.linear(x, v)), repeat)['median_s']
        fus3 = measure(lambda: F.linear(x, qkv).split([h*HD, kv, kv], -1), repeat)['median_s']
        rows.append(dict(level=level, proj='fused gate+up', out=2*n, inp=HID, gflops=4*tokens*n*HID/fus/1e9, rate_vs_dense=None, fused_speedup=sep/fus))
        rows.append(dict(level=level, proj='fused q+k+v', out=h*HD + 2*kv, inp=HID, gflops=2*tokens*(h*HD + 2*kv)*HID/fus3/1e9, rate_vs_dense=None, fused_speedup=sep3/fus3))
    print(table(rows, ['level', 'proj', 'out', 'inp', 'gflops', 'rate_vs_dense', 'fused_speedup']))
    print(f'saved {save("gemm_width", dict(tokens=tokens, hidden=HID, rows=rows))}')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--tokens', type=int, default=512); ap.add_argument('--repeat', type=int, default=30)
    main(**vars(ap.parse_args()))
