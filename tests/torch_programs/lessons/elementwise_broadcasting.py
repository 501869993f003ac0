"""Element-wise operations, broadcasting, comparisons and PyTorch's type promotion."""

import numpy as np
import torch

t1 = torch.tensor([[1, 2], [3, 4]], dtype=torch.float32)
t2 = torch.tensor([[9, 8], [7, 6]], dtype=torch.float32)
print(t1 + t2)
print(t1 + 2, t1 - 2, t1 * 2, t1 / 2)
print(t1.add(2), t1.sub(2), t1.mul(2), t1.div(2), t1.add(t2, alpha=10))
print(np.broadcast_to(2, t1.shape))
print(t1 + torch.tensor(np.broadcast_to(2, t1.shape), dtype=torch.float32))
print(t1 + torch.tensor([2, 4], dtype=torch.float32))

t = torch.tensor([[0, 5, 0], [6, 0, 7], [0, 8, 0]], dtype=torch.float32)
print(t.eq(0))
print(t.ge(0), t.gt(0), t.lt(0), t.le(7), t == 5, t != 0)
print(t.abs(), t.sqrt(), t.neg(), t.neg().abs())
print(t.relu(), t.sigmoid(), t.tanh(), t.exp().log())
print(t.clamp(min=1, max=6), t.sign(), (t / 3).floor(), (t / 4).round())
print(torch.where(t > 4, t, torch.zeros(1)))
print(torch.maximum(t, torch.tensor([1.0, 6.0, 1.0])), torch.minimum(t, torch.tensor(3.0)))
print(torch.logical_and(t > 0, t < 7), (t > 0).logical_not())
print(torch.tensor([1, 2, 3]) / 2, torch.tensor([1, 2]) * 1.5, torch.tensor([1, 2]) + 1)
print(torch.tensor([[1.0, 2.0], [3.0, 4.0]]) @ torch.tensor([1.0, 1.0]))
print(torch.tensor([1.0, 2.0]).dot(torch.tensor([3.0, 4.0])), torch.outer(torch.tensor([1, 2]), torch.tensor([3, 4])))
