"""Execute notebooks in place so that their committed outputs (tables, plots) are current.

Runs each notebook top to bottom with nbdev's runner (execnb), skipping the cells flagged with
settings.ini's `tst_flags` unless `--flags` names them, and saves the outputs. Then run `nbdev_clean`.
Usage: python .ci/execute_nbs.py nbs/01_models.ipynb [more.ipynb ...] [--flags slow]
"""
import os, sys
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from fastcore.xtras import working_directory
from nbdev.config import get_config
from nbdev.process import NBProcessor
from nbdev.frontmatter import FrontmatterProc

def execute(fn:Path, force=()):
    skip = set(get_config().tst_flags.split()) - set(force)
    nb = read_nb(fn)
    proc = NBProcessor(fn, procs=FrontmatterProc, process=True).nb
    keep = {c.idx_ for c in proc.cells if c.cell_type == 'code' and 'nbdev_export(' not in c.source
            and not (skip & set((getattr(c, 'directives_', None) or {}).keys()))}
    sh = CaptureShell(fn)
    with working_directory(fn.parent):
        sh.run_all(nb, exc_stop=True, preproc=lambda c: c.idx_ not in keep)
    write_nb(nb, fn)

if __name__ == '__main__':
    args = sys.argv[1:]
    force = args[args.index('--flags') + 1].split() if '--flags' in args else []
    files = [a for a in args if a.endswith('.ipynb')]
    os.environ.setdefault('DARWINLM_PROGRESS', '0'); os.environ.setdefault('MPLBACKEND', 'Agg')
    for f in files:
        print('executing', f, flush=True); execute(Path(f).resolve(), force)
