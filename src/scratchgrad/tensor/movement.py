"""Shape and indexing on Tensor: reshape, view, squeeze, permute, expand, split, ``t[index]``, ...; each is one
call into ``ops/shape.py`` (several are a reshape, a transpose or an index with PyTorch's arguments worked out).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..ops import shape as _shape
from ..ops.math import check_dim
from .core import sizes

if TYPE_CHECKING:
    from . import Tensor


def _at(dim: int, index: Any) -> tuple[Any, ...]:
    """An index that applies ``index`` to axis ``dim`` and leaves the others whole."""
    return (slice(None),) * dim + (index,)


def _view(t: Any, out: Any) -> Any:
    """``out``, marked as a view of ``t``'s memory when its array is one: it shares ``t``'s version counter, so an
    in-place change through either one is seen by backward wherever the other was saved, and knows its base, so an
    in-place change to it while gradients flow rewrites the base's history too (``inplace.py``)."""
    owner = t.data if t.data.base is None else t.data.base
    if out.data.base is not None and out.data.base is owner:
        out._version = t._version
        out._base = t if t._base is None else t._base
        out._view_version = t._version[0]  # the history it has is its base's at this version
    return out


class MovementMixin:
    """Ops that move elements without arithmetic."""

    __slots__ = ()
    data: Any

    @property
    def T(self) -> Tensor:
        """All dims reversed (the transpose of a matrix)."""
        return _view(self, _shape.transpose(self))

    def reshape(self, *shape: Any) -> Tensor:
        return _view(self, _shape.reshape(self, sizes(shape)))

    def view(self, *shape: Any) -> Tensor:
        return _view(self, _shape.reshape(self, sizes(shape), "view"))

    def view_as(self, other: Any) -> Tensor:
        return _view(self, _shape.reshape(self, other.shape, "view_as"))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Dims start_dim..end_dim merged into one: (N, C, H, W).flatten(1) is (N, C*H*W)."""
        return _view(self, _shape.flatten(self, start_dim, end_dim))

    def squeeze(self, dim: Any = None) -> Tensor:
        """Without the dims of length 1 (only ``dim``, an int or a tuple, when given; others stay)."""
        shape, ndim = self.data.shape, self.data.ndim
        dims = range(ndim) if dim is None else {check_dim(d, ndim) for d in ((dim,) if isinstance(dim, int) else dim)}
        kept = [n for i, n in enumerate(shape) if not (i in dims and n == 1)]
        return _view(self, _shape.reshape(self, kept, "squeeze"))

    def unsqueeze(self, dim: int) -> Tensor:
        """With a new dim of length 1 at ``dim`` (in [-ndim - 1, ndim])."""
        shape = self.data.shape
        dim = check_dim(dim, self.data.ndim, new=True)
        return _view(self, _shape.reshape(self, shape[:dim] + (1,) + shape[dim:], "unsqueeze"))

    def permute(self, *dims: Any) -> Tensor:
        """The dims in the order given: (N, H, W, C).permute(0, 3, 1, 2) is (N, C, H, W)."""
        dims = sizes(dims)
        if len(dims) != self.data.ndim:
            raise ValueError(f"permute: got {len(dims)} dims {tuple(dims)} for a tensor with ndim={self.data.ndim}")
        return _view(self, _shape.transpose(self, [check_dim(d, self.data.ndim) for d in dims]))

    def transpose(self, *dims: Any) -> Tensor:
        """``transpose(d0, d1)`` swaps two dims (PyTorch); a full permutation of 3 or more dims is taken too
        (NumPy), and no argument reverses them all."""
        dims, ndim = tuple(sizes(dims)), self.data.ndim
        if len(dims) != 2:
            return _view(self, _shape.transpose(self, dims or None))
        order = list(range(ndim))
        a, b = check_dim(dims[0], ndim), check_dim(dims[1], ndim)
        order[a], order[b] = b, a
        return _view(self, _shape.transpose(self, order))

    def t(self) -> Tensor:
        """The transpose of a matrix (a vector unchanged)."""
        if self.data.ndim > 2:
            raise ValueError(f"t() expects a tensor with at most 2 dims; this one has shape {self.data.shape}")
        return _view(self, _shape.transpose(self))

    def expand(self, *size: Any) -> Tensor:
        """A broadcast view to ``size`` (-1 keeps a dim); only dims of length 1 can grow."""
        size = sizes(size)
        shape = (1,) * (len(size) - self.data.ndim) + self.data.shape
        return _view(self, _shape.broadcast_to(self, [n if s == -1 else s for s, n in zip(size, shape)]))

    def expand_as(self, other: Any) -> Tensor:
        return _view(self, _shape.broadcast_to(self, other.shape))

    def repeat(self, *repeats: Any) -> Tensor:
        """The tensor tiled ``repeats[i]`` times along each dim: (2, 3).repeat(2, 1) is (4, 3)."""
        repeats = sizes(repeats)
        shape = (1,) * (len(repeats) - self.data.ndim) + self.data.shape
        spread = [m for n in shape for m in (1, n)]
        tiled = [m for r, n in zip(repeats, shape) for m in (r, n)]
        grown = _shape.broadcast_to(_shape.reshape(self, spread), tiled)
        return _shape.reshape(grown, [r * n for r, n in zip(repeats, shape)], "repeat")

    def contiguous(self) -> Tensor:
        """The tensor itself: every op here reads any memory layout, so no copy is needed."""
        return self  # type: ignore[return-value]

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` along ``dim`` (the last may be shorter), or of the listed sizes."""
        dim = check_dim(dim, self.data.ndim)
        n = self.data.shape[dim]
        if isinstance(split_size_or_sections, int):
            step = split_size_or_sections
            bounds = [(a, min(a + step, n)) for a in range(0, n, step)]
        else:
            if sum(split_size_or_sections) != n:
                raise ValueError(f"split: sections {list(split_size_or_sections)} must add up to dim {dim}'s {n}")
            ends = [sum(split_size_or_sections[: i + 1]) for i in range(len(split_size_or_sections))]
            bounds = list(zip([0, *ends[:-1]], ends))
        return tuple(_view(self, _shape.getitem(self, _at(dim, slice(a, b)))) for a, b in bounds)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """At most ``chunks`` pieces of equal size (the last may be shorter) along ``dim``."""
        n = self.data.shape[check_dim(dim, self.data.ndim)]
        return self.split(max(1, -(-n // chunks)), dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, each without that dim."""
        dim = check_dim(dim, self.data.ndim)
        return tuple(_view(self, _shape.getitem(self, _at(dim, i))) for i in range(self.data.shape[dim]))

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """Elements start..start+length-1 along ``dim``."""
        return _view(self, _shape.getitem(self, _at(check_dim(dim, self.data.ndim), slice(start, start + length))))

    def __getitem__(self, index: Any) -> Tensor:
        return _view(self, _shape.getitem(self, index))
