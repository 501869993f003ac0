"""scratchgrad: a deep-learning framework from scratch on NumPy.

    import scratchgrad as sg
    x = sg.Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # array([2., 4.], dtype=float32)
"""

import os as _os

# OpenBLAS's worker threads busy-wait for about 0.1 s (2**28 cycles) after every matrix product before they
# sleep, so during training they hold the other cores that NumPy's elementwise passes and our own threads
# (backend.split_work) need: DeepConvNet's step took ~130 ms with that default and ~105 ms with a short wait.
# 2**20 cycles (a fraction of a millisecond) still covers back-to-back small products: the shortest wait (2**4)
# made TwoLayerNet's tiny GEMMs 2.5x slower by putting the workers to sleep between them. OpenBLAS reads this
# when NumPy is first imported, so it only takes effect when scratchgrad is imported before NumPy
# (``python -m scratchgrad`` always is); a value the user set wins.
_os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")

from . import optim  # noqa: E402, F401  (a subpackage, reached as sg.optim)
from .autograd import Function, Tensor, enable_grad, is_grad_enabled, no_grad  # noqa: E402
from .backend import get_default_dtype, manual_seed, set_default_dtype  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "Function",
    "Tensor",
    "enable_grad",
    "get_default_dtype",
    "is_grad_enabled",
    "manual_seed",
    "no_grad",
    "set_default_dtype",
    "__version__",
]
