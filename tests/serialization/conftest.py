"""The hand-made PyTorch archives (torch_files.py, here) and the crafted pickles of tests/security/pickle_attacks.py
are imported by name, as the security tests import theirs."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "security")]
