"""Build README.md from nbs/index.ipynb without quarto.

nbconvert's markdown exporter, with cells flagged `#| hide` dropped, nbdev directives (`#| ...`)
stripped from the cells that remain, and `#| echo: false` cells shown by their output alone.
Usage: python .ci/make_readme.py [--check]   (--check: exit 1 if README.md is out of date)
"""
import sys
from pathlib import Path
import nbformat
from nbconvert import MarkdownExporter
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent

def _directives(src):
    return {l[3:].strip().split(':')[0].split()[0] for l in src.splitlines() if l.startswith('#|') and l[3:].strip()}

def readme_text(nb_path=ROOT/'nbs'/'index.ipynb') -> str:
    nb = nbformat.read(nb_path, as_version=4)
    nb.metadata['language_info'] = dict(name='python')   # fences code as ```python
    cells = []
    for c in nb.cells:
        if c.cell_type == 'code':
            d = _directives(c.source)
            if d & {'hide', 'exporti', 'default_exp'}: continue
            if any(l.replace(' ', '') == '#|echo:false' for l in c.source.splitlines()):
                c.metadata.setdefault('tags', []).append('remove_input')     # show the output only
            c.source = '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|')).strip()
        cells.append(c)
    nb.cells = cells
    cfg = Config({'TagRemovePreprocessor': {'enabled': True, 'remove_input_tags': ['remove_input']}})
    body, _ = MarkdownExporter(config=cfg).from_notebook_node(nb)
    head = '<!-- generated from nbs/index.ipynb by .ci/make_readme.py; edit the notebook, not this file -->\n\n'
    return head + body.strip() + '\n'

if __name__ == '__main__':
    txt, dst = readme_text(), ROOT/'README.md'
    if '--check' in sys.argv:
        if dst.read_text() != txt: sys.exit('README.md is out of date: run `python .ci/make_readme.py`')
    else: dst.write_text(txt)
