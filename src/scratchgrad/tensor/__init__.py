"""The Tensor: an array that remembers how it was computed, so gradients can flow back through it.

Its surface is split by idea: ``core`` (state, construction, backward), ``arithmetic`` (operators, element-wise),
``reduce`` (reductions), ``movement`` (shapes, indexing), ``convert`` (dtypes, NumPy, Python values) and
``inplace`` (``add_``, ...), combined here as mixins.
Every method is one call into ``ops/``; no op is implemented twice.
"""

from __future__ import annotations

from .. import autograd
from . import inplace
from .arithmetic import ArithmeticMixin
from .convert import ConvertMixin
from .core import TensorCore
from .inplace import InPlaceMixin
from .movement import MovementMixin
from .reduce import ReduceMixin


class Tensor(TensorCore, ArithmeticMixin, ReduceMixin, MovementMixin, ConvertMixin, InPlaceMixin):
    """An array that remembers how it was computed, so gradients can flow back through it.

    Args:
        data: an array, a Python number or a (nested) list. Python floats become the default dtype (float32);
            arrays keep their dtype (a float64 array stays float64).
        requires_grad: accumulate ``d(output)/d(self)`` into ``.grad`` when ``backward()`` is called.
        dtype: convert ``data`` to this dtype first.

    Example::

        x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        x.grad          # tensor([2., 4., 6.])
    """

    __slots__ = ()


autograd.register_tensor_class(Tensor)
autograd.register_view_refresher(inplace.refresh_view)


__all__ = ["Tensor"]
