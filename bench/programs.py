"""``python -m bench.programs {torch,keras} {real,scratchgrad} PROGRAM [ARGS...]``: one full run of a program that
was written for PyTorch (examples/pytorch/PROGRAM.py) or Keras (tests/keras_programs/programs/PROGRAM.py), on the
real library or with only its imports changed on scratchgrad, printing what the program prints and then its wall
time. docs/results.md puts the two runs of each program side by side.

Offline, the real libraries read the same files as scratchgrad: PyTorch's side gets torchvision through the
tests' stand-in (torchvision does not install against the CPU build of torch here), Keras 3's ``mnist.load_data``
is given the arrays scratchgrad's returns. Nothing of scratchgrad's arithmetic is in what the real library computes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FACES = {
    "torch": (ROOT / "examples" / "pytorch", ROOT / "tests" / "torch_programs", "test_lessons"),
    "keras": (ROOT / "tests" / "keras_programs" / "programs", ROOT / "tests" / "keras_programs", "test_keras_programs"),
}


def _prepare_real(face: str) -> None:
    if face == "torch":
        import torch
        from torchvision_standin import modules

        sys.modules.update(modules(torch))
        return
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    from scratchgrad import keras as ours

    keras.datasets.mnist.load_data = ours.datasets.mnist.load_data


def run(face: str, side: str, program: str, args: list[str]) -> float:
    """Run the program as ``__main__`` with ``args`` as its command line; its wall time in seconds."""
    folder, helpers, rewriter = FACES[face]
    sys.path.insert(0, str(helpers))
    path = folder / f"{program}.py"
    source = path.read_text()
    if side == "real":
        _prepare_real(face)
    else:
        source = __import__(rewriter).on_scratchgrad(source)
    sys.argv = [str(path), *args]
    start = time.perf_counter()
    exec(compile(source, str(path), "exec"), {"__name__": "__main__", "__file__": str(path)})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("face", choices=sorted(FACES))
    parser.add_argument("side", choices=["real", "scratchgrad"])
    parser.add_argument("program")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    seconds = run(options.face, options.side, options.program, options.args)
    print(f"wall time: {seconds:.1f} s ({options.face} program {options.program}, {options.side})")


if __name__ == "__main__":
    main()
