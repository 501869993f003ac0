"""Tensors: rank, axes and shape; creating tensors from data."""

import numpy as np
import torch

dd = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
t = torch.tensor(dd)
print(t)
print(type(t).__name__)
print("rank:", len(t.shape), t.dim(), t.ndim)
print("shape:", t.shape, t.size(), t.size(0), t.size(dim=1))
print("elements:", t.numel(), len(t), torch.numel(t))
print("first axis:", t[0], "element:", t[0][0], t[0, 2], t[0, 2].item())
print(t.dtype, t.float().dtype, t.double().dtype, t.long().dtype, t.int().dtype, t.bool().dtype)
print(t.reshape(1, 9), t.reshape(1, 9).shape)
print(torch.tensor(t.shape).prod())

data = np.array([1, 2, 3])
a, b, c = torch.tensor(data), torch.as_tensor(data), torch.from_numpy(data)
print(a, b, c)
print(a.dtype, torch.tensor([1.0, 2.0]).dtype, torch.tensor([True, False]).dtype, torch.tensor(np.array([1.5])).dtype)
data[0] = 0
print(a, b, c)
print(torch.get_default_dtype())
print(torch.eye(2), torch.zeros([2, 2]), torch.ones(2, 2), torch.full((2,), 7))
print(torch.arange(5), torch.arange(1, 2.5, 0.5), torch.linspace(0, 1, 5))
print(torch.zeros_like(t), torch.ones_like(t, dtype=torch.float64))
print(torch.tensor([[1.5, 2.25]], requires_grad=True))
print(torch.is_tensor(t), torch.is_tensor(data))
