"""scratchgrad: a deep-learning framework from scratch on NumPy, spelled like PyTorch.

    import scratchgrad as torch
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad  # tensor([2., 4.])
"""

from . import (
    autograd,  # noqa: F401  (torch.autograd.grad)
    cuda,  # noqa: F401  (torch.cuda.is_available)
    nn,  # noqa: F401  (torch.nn.Linear after a plain import, as in PyTorch)
    optim,  # noqa: F401  (a subpackage, reached as sg.optim)
    utils,  # noqa: F401  (torch.utils.data.DataLoader after a plain import, as in PyTorch)
)
from .autograd import Function, enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .backend import manual_seed
from .device import device
from .serialization.torch_format import load, save
from .tensor import Tensor
from .tensor.core import Size
from .tensor.creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    is_tensor,
    linspace,
    normal,
    numel,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .tensor.dtypes import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .tensor.functions import *  # noqa: F403  (cat, stack, where and the method-named functions)
from .tensor.functions import __all__ as _functions
from .tensor.printing import set_printoptions

__version__ = "0.1.0"

__all__ = [
    "Function", "Tensor", "arange", "as_tensor", "bool", "double", "dtype", "empty", "empty_like", "enable_grad",
    "eye", "float", "float16", "float32", "float64", "from_numpy", "full", "full_like", "get_default_dtype", "half",
    "int", "int8", "int16", "int32", "int64", "is_grad_enabled", "is_tensor", "linspace", "long", "manual_seed",
    "no_grad", "normal", "numel", "ones", "ones_like", "rand", "randint", "randn", "randperm", "set_default_dtype",
    "set_printoptions", "short", "tensor", "uint8", "zeros", "zeros_like", "__version__", "Size", "autograd",
    "inference_mode", "set_grad_enabled", "cuda", "device", "load", "save", *_functions,
]  # fmt: skip
