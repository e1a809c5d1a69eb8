"""The database of 2 blocks of real size on this CPU: Llama-3.1-8B's shapes (hidden 4096, 32 heads / 8 KV heads,
MLP 14336, vocab 128256), random weights stored in bfloat16, calibrated on random tokens.

Prints and saves (bench/results/realsize_database.json): seconds per module (OBS) and per block (forward with the
Hessian hooks), the process's peak resident memory against `darwinlm.plan`'s figure for the same build, and the
inverse of an undampened 14336 x 14336 down_proj Hessian from too few tokens (rank-deficient: Cholesky fails, the
escalating-damping fallbacks take over; float32).
Run: python bench/realsize_database.py [--seqs 8] [--seq-len 512] [--batch-size 4]
"""
import argparse, json, os, resource, sys, tempfile, threading, time
from pathlib import Path
import psutil, torch
from harness import save

LLAMA31_8B = dict(model_type='llama', hidden_size=4096, intermediate_size=14336, num_attention_heads=32, num_key_value_heads=8,
                  num_hidden_layers=32, vocab_size=128256, rope_theta=500000.0, max_position_embeddings=131072,
                  rms_norm_eps=1e-5, tie_word_embeddings=False,
                  rope_scaling=dict(rope_type='llama3', factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                                    original_max_position_embeddings=8192))

class PeakRSS:
    "Sample this process's resident memory every 20 ms; `peak` in bytes."
    def __init__(self): self.peak, self._stop, self.p = 0, threading.Event(), psutil.Process()
    def _run(self):
        while not self._stop.is_set(): self.peak = max(self.peak, self.p.memory_info().rss); time.sleep(0.02)
    def __enter__(self): self.t = threading.Thread(target=self._run, daemon=True); self.t.start(); return self
    def __exit__(self, *a): self._stop.set(); self.t.join()

def main(seqs=8, seq_len=512, batch_size=4, blocks=2):
    import transformers
    from darwinlm.database import build_database, DatabaseConfig, Database
    from darwinlm.hessian import Hessian
    from darwinlm.obs import invert_hessian
    torch.manual_seed(0)
    cfg = transformers.LlamaConfig(**{**LLAMA31_8B, 'num_hidden_layers': blocks})
    rss0 = psutil.Process().memory_info().rss
    t = time.perf_counter()
    model = transformers.LlamaForCausalLM(cfg).to(torch.bfloat16).eval()
    build_s = time.perf_counter() - t
    rss_model = psutil.Process().memory_info().rss
    calib = torch.randint(0, cfg.vocab_size, (seqs, seq_len), generator=torch.Generator().manual_seed(0))
    dbc = DatabaseConfig(batch_size=batch_size)
    with tempfile.TemporaryDirectory() as d, PeakRSS() as mem:
        t = time.perf_counter()
        build_database(model, calib, Path(d)/'db', dbc)
        total_s = time.perf_counter() - t
        db = Database(Path(d)/'db')
        obs_s, inverse = dict(db.manifest['seconds']), dict(db.manifest['inverse'])
        disk = sum((Path(d)/'db'/e['file']).stat().st_size for e in db.manifest['modules'].values())
    # fallbacks: an undampened down_proj Hessian from 2,048 tokens has rank <= 2,048 < 14,336
    X = torch.randn(2048, cfg.intermediate_size, generator=torch.Generator().manual_seed(1))
    h = Hessian(cfg.intermediate_size); h.add(X)
    H, _ = h.finalize(rel_damp=0.0)
    t = time.perf_counter(); _, how = invert_hessian(H); inv_s = time.perf_counter() - t
    res = dict(shapes={k: LLAMA31_8B[k] for k in ('hidden_size', 'intermediate_size', 'num_attention_heads', 'num_key_value_heads', 'vocab_size')},
               blocks=blocks, dtype='bfloat16', calibration=dict(seqs=seqs, seq_len=seq_len, batch_size=batch_size),
               model_build_seconds=round(build_s, 1), database_seconds=round(total_s, 1),
               obs_seconds=obs_s, obs_inverse=inverse, disk_mb=round(disk/1e6, 1),
               rss_start_gb=round(rss0/1e9, 3), rss_model_gb=round(rss_model/1e9, 3), peak_rss_gb=round(mem.peak/1e9, 3),
               fallback=dict(method=how, seconds=round(inv_s, 1), n=cfg.intermediate_size, tokens=2048))
    from darwinlm.plan import database_plan
    plan = database_plan(cfg, dtype=torch.bfloat16, n_seqs=seqs, seq_len=seq_len, cfg=dbc, device='cpu')
    res['plan_gb'] = {k: round(v/1e9, 3) for k, v in plan.cpu.items()}
    res['plan_peak_gb'] = round((rss0 + plan.cpu_peak)/1e9, 3)
    res['plan_over_measured'] = round((rss0 + plan.cpu_peak)/mem.peak, 3)
    print(json.dumps(res, indent=1))
    save('realsize_database', res)
    return res

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seqs', type=int, default=8); ap.add_argument('--seq-len', type=int, default=512)
    ap.add_argument('--batch-size', type=int, default=4); ap.add_argument('--blocks', type=int, default=2)
    a = ap.parse_args()
    main(a.seqs, a.seq_len, a.batch_size, a.blocks)
