"""Reductions: sum, mean, max with and without a dim, argmax, and the accuracy of a batch of predictions."""

import torch

t = torch.tensor([[0, 1, 0], [2, 0, 2], [0, 3, 0]], dtype=torch.float32)
print(t.sum(), t.numel(), t.sum().numel(), t.sum().numel() < t.numel())
print(t.sum(), t.prod(), t.mean(), t.std())

t = torch.tensor([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]], dtype=torch.float32)
print(t.sum(dim=0), t.sum(dim=1))
print(t[0].sum(), t[1].sum(), t[2].sum())

t = torch.tensor([[1, 0, 0, 2], [0, 3, 3, 0], [4, 0, 0, 5]], dtype=torch.float32)
print(t.max(), t.argmax(), t.flatten())
print(t.max(dim=0))
print(t.argmax(dim=0))
print(t.max(dim=1))
print(t.argmax(dim=1))
values, indices = t.min(dim=1, keepdim=True)
print(values, indices)

t = torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=torch.float32)
print(t.mean(), t.mean().item(), t.mean(dim=0).tolist(), t.mean(dim=0).numpy())
print(t.mean(dim=1, keepdim=True), t.var(dim=0), t.std(dim=1, unbiased=False))
print(t.cumsum(dim=0), t.norm(), t.all(), (t > 5).any(dim=1), t.sum(dim=(0, 1)))

preds = torch.tensor([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1], [0.2, 0.2, 0.6]])
labels = torch.tensor([1, 2, 2])
print(preds.argmax(dim=1))
print(preds.argmax(dim=1).eq(labels))
print(preds.argmax(dim=1).eq(labels).sum())
print(preds.argmax(dim=1).eq(labels).sum().item() / len(labels))
print(preds.softmax(dim=1).sum(dim=1), preds.log_softmax(dim=1).exp().sum(dim=1))
