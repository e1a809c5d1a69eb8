"""Prune, then quantise: held-out perplexity measured in llama.cpp and file size of SmolLM2-135M dense and
DarwinLM level 5 (post-trained, from a `darwinlm-prune` run) at f16, q8_0 and a 4-bit type.

f16 and q8_0 are written by `darwinlm.export.export_gguf`; the 4-bit file (`--q4`, default q4_k_m) by
llama.cpp's own quantiser from the f16 file. Perplexity: the windows darwinlm-prune evaluates
(16 x 256 tokens of Persuasion, never trained on), each in a fresh llama.cpp context with its default
f16 KV cache (as llama-cli runs), mean NLL over every predicted token. The transformers float32
perplexity of the same windows is the reference (the export should match it at f16).
Run: python bench/gguf_quant.py [--run DIR] [--q4 q4_k_m]
"""
import argparse, math
from pathlib import Path
import torch
import torch.nn.functional as F
from harness import save, table
from darwinlm.core import cache_dir
from darwinlm.models import load_smollm2, load_model
from darwinlm.data import make_pools, windows
from darwinlm.eval import perplexity
from darwinlm.export import export_gguf, quantize_gguf, llamacpp, llamacpp_logits

def llamacpp_perplexity(path, seqs:torch.Tensor) -> float:
    "Perplexity in llama.cpp: each window in a fresh context, mean NLL over every predicted token."
    llm = llamacpp(path, n_ctx=seqs.shape[1], exact=False)
    nll = sum(F.cross_entropy(llamacpp_logits(llm, s.tolist())[:-1], s[1:], reduction='sum').item() for s in seqs)
    llm.close()
    return math.exp(nll / (seqs.shape[0] * (seqs.shape[1] - 1)))

def main(run:Path, q4='q4_k_m'):
    dense, tok = load_smollm2()
    models = {'dense': dense, 'DarwinLM level 5 + post-train': load_model(str(run/'trained'))[0]}
    ev = windows(make_pools(tok)['eval'], 256, limit=16)
    out, rows = cache_dir('bench', 'gguf_quant'), []
    for name, m in models.items():
        stem = out/name.split()[0]
        ref = perplexity(m, ev, desc=None)
        files = {'f16': export_gguf(m, f'{stem}.f16.gguf', tok, 'f16'), 'q8_0': export_gguf(m, f'{stem}.q8_0.gguf', tok, 'q8_0')}
        files[q4] = quantize_gguf(files['f16'], f'{stem}.{q4}.gguf', q4)
        for kind, f in files.items():
            rows.append(dict(model=name, type=kind, params_M=m.num_parameters() / 1e6, file_MB=f.stat().st_size / 1e6,
                             ppl_llamacpp=llamacpp_perplexity(f, ev), ppl_transformers_f32=ref))
            print(rows[-1], flush=True)
    print(table(rows, ['model', 'type', 'params_M', 'file_MB', 'ppl_llamacpp', 'ppl_transformers_f32']))
    import llama_cpp
    p = save('gguf_quant', dict(command=f'python bench/gguf_quant.py --q4 {q4}', run=f'darwinlm-prune (seed 0) run folder: {run.name}',
                                 llama_cpp_python=llama_cpp.__version__, heldout='16 x 256 tokens of Persuasion (the eval pool of darwinlm-prune)',
                                 rows=rows))
    print(f'saved {p}')

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument('--run', type=Path, default=cache_dir('bench', 'gguf', 'seed0'))
    a.add_argument('--q4', default='q4_k_m')
    main(**vars(a.parse_args()))
