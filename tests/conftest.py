# Matplotlib must not try to open windows when notebooks run under pytest.
import os
os.environ.setdefault('MPLBACKEND', 'Agg')
