"""scratchgrad: a deep-learning framework from scratch on NumPy.

    import scratchgrad as sg
    x = sg.Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # array([2., 4.], dtype=float32)
"""

from . import optim  # noqa: F401  (a subpackage, reached as sg.optim)
from .autograd import Function, enable_grad, is_grad_enabled, no_grad
from .backend import get_default_dtype, manual_seed, set_default_dtype
from .tensor import Tensor

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
