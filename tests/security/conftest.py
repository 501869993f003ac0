"""The security tests reuse the data tests' file builders and local server (tests/data/datafiles.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
