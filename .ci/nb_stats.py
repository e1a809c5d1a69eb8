"""How the notebooks read: code-cell length, figures per notebook, docments of exported parameters.

Prints the median code cell (non-blank lines that are not nbdev `#|` directives) over nbs/, the
notebooks of the method with no figure among their committed outputs, and the parameters of exported
functions, methods and config fields without a docment.
Usage: python .ci/nb_stats.py [--check]   (--check: exit 1 if the median is over 6, a notebook of the
method shows no figure, or an exported parameter has no docment)
"""
import dataclasses, importlib, inspect, json, statistics, sys
from pathlib import Path
from fastcore.docments import docments

ROOT = Path(__file__).resolve().parent.parent
NO_FIGURE_NEEDED = {'00_core.ipynb', '70_cli.ipynb', 'index.ipynb'}

def code_lines(src:str) -> int: return sum(1 for l in src.splitlines() if l.strip() and not l.lstrip().startswith('#|'))

def notebooks() -> list[Path]:
    return sorted(p for p in (ROOT/'nbs').rglob('*.ipynb') if not any(s.startswith(('.', '_')) for s in p.relative_to(ROOT/'nbs').parts))

def cell_lengths(nb:Path) -> list[int]:
    return [code_lines(''.join(c['source'])) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code']

def has_figure(nb:Path) -> bool:
    return any('image/png' in o.get('data', {}) or 'image/svg+xml' in o.get('data', {})
               for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code' for o in c.get('outputs', []))

def _params(f) -> list[str]:
    ps = inspect.signature(f).parameters.values()
    return [p.name for p in ps if p.name not in ('self', 'cls') and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

def undocumented(modname:str) -> list[str]:
    "Exported parameters (functions, methods defined in the module, dataclass fields) without a docment."
    mod, miss = importlib.import_module(modname), []
    for name in getattr(mod, '__all__', []):
        o = getattr(mod, name)
        if inspect.isclass(o) and dataclasses.is_dataclass(o):
            d = docments(o); miss += [f'{name}.{f.name}' for f in dataclasses.fields(o) if not d.get(f.name)]
        fs = [(name, o)] if inspect.isfunction(o) else [
            (f'{name}.{k}', v) for k, v in vars(o).items() if inspect.isfunction(v) and (k in ('__init__', '__call__') or not k.startswith('_'))
            and v.__module__ == mod.__name__ and not (dataclasses.is_dataclass(o) and k == '__init__')] if inspect.isclass(o) else []
        for n, f in fs:
            d = docments(f); miss += [f'{n}({p})' for p in _params(f) if not d.get(p)]
    return miss

def main(check=False):
    lens = {nb: cell_lengths(nb) for nb in notebooks()}
    allc = [l for v in lens.values() for l in v]
    med = statistics.median(allc)
    print(f'code cells: {len(allc)}, median {med} lines (non-blank, directives not counted), '
          f'{sum(l > 6 for l in allc)} over 6, longest {max(allc)}')
    nofig = [nb.relative_to(ROOT/'nbs').as_posix() for nb in lens if nb.name not in NO_FIGURE_NEEDED and not has_figure(nb)]
    print('notebooks without a figure:', ', '.join(nofig) or 'none')
    sys.path.insert(0, str(ROOT))
    mods = sorted(p.stem for p in (ROOT/'darwinlm').glob('*.py') if not p.stem.startswith('_'))
    miss = {m: undocumented(f'darwinlm.{m}') for m in mods}
    n = sum(map(len, miss.values()))
    print(f'exported parameters without a docment: {n}')
    for m, v in miss.items():
        if v: print(f'  {m}: ' + ', '.join(v))
    if check and (med > 6 or nofig or n): sys.exit(1)

if __name__ == '__main__': main('--check' in sys.argv)
