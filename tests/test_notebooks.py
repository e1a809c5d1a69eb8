"""Run every notebook in nbs/ as one pytest test, through nbdev's own runner.

Cells flagged with any of settings.ini's `tst_flags` (`notest slow`) are skipped, exactly as
`nbdev_test` skips them; set DARWINLM_TEST_FLAGS="slow" to run the slow cells too.
"""
import os
from pathlib import Path
import pytest
from nbdev.config import get_config
from nbdev.test import test_nb as run_notebook   # not `test_*`: pytest would collect it

os.environ.setdefault('DARWINLM_PROGRESS', '0')
cfg = get_config()
NBS = Path(cfg.config_path)/cfg.nbs_path
NOTEBOOKS = sorted(p for p in NBS.rglob('*.ipynb')
                   if not any(part.startswith(('_', '.')) for part in p.relative_to(NBS).parts))

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[str(p.relative_to(NBS)) for p in NOTEBOOKS])
def test_notebook(nb):
    ok, secs = run_notebook(nb, skip_flags=cfg.tst_flags.split(), force_flags=os.environ.get('DARWINLM_TEST_FLAGS', '').split())
    assert ok, f'{nb.name} failed; the traceback is above (run `nbdev_test --path {nb}` to reproduce)'

def test_found_notebooks(): assert len(NOTEBOOKS) >= 5, NOTEBOOKS
