"""A small timing helper for bench/ scripts.

Every benchmark times its candidates *and* a reference in the same run and reports ratios against
that reference, so numbers from different machines or loads are compared by ratio, never by absolute
seconds. No test asserts a time.
"""
import json, os, platform, statistics, time
from pathlib import Path

RESULTS = Path(__file__).parent/'results'

def measure(fn, repeat:int=5, warmup:int=1) -> dict:
    "Call `fn()` `warmup` times untimed, then `repeat` times; median and spread in seconds."
    for _ in range(warmup): fn()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return dict(median_s=statistics.median(ts), min_s=min(ts), max_s=max(ts), repeat=repeat)

def machine() -> dict:
    "What the numbers were measured on."
    import torch
    return dict(platform=platform.platform(), processor=platform.processor() or platform.machine(),
                cpus=os.cpu_count(), torch=torch.__version__, torch_threads=torch.get_num_threads(),
                cuda=torch.cuda.get_device_name() if torch.cuda.is_available() else None)

def table(rows:list[dict], cols:list[str]) -> str:
    "Rows as a fixed-width text table."
    w = {c: max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in cols}
    line = lambda vals: '  '.join(v.rjust(w[c]) for c, v in zip(cols, vals))
    return '\n'.join([line(cols), line(['-'*w[c] for c in cols])] + [line([_fmt(r.get(c)) for c in cols]) for r in rows])

def _fmt(v): return f'{v:,.3f}' if isinstance(v, float) else str(v)

def save(name:str, record:dict) -> Path:
    "Write `record` (plus the machine description) to bench/results/NAME.json."
    RESULTS.mkdir(exist_ok=True)
    p = RESULTS/f'{name}.json'
    p.write_text(json.dumps(dict(machine=machine(), **record), indent=2) + '\n')
    return p
