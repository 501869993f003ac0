"""Squeezing and unsqueezing, transposing and permuting axes."""

import torch

t = torch.tensor([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]], dtype=torch.float32)
print(t.size(), t.shape, len(t.shape), torch.tensor(t.shape).prod(), t.numel())
print(t.reshape(1, 12))
print(t.reshape(1, 12).shape)
print(t.reshape(1, 12).squeeze())
print(t.reshape(1, 12).squeeze().shape)
print(t.reshape(1, 12).squeeze().unsqueeze(dim=0))
print(t.reshape(1, 12).squeeze().unsqueeze(dim=0).shape)
print(t.unsqueeze(1).shape, t.unsqueeze(-1).shape, t.unsqueeze(0).squeeze(0).shape)
print(t.reshape(3, 1, 4, 1).squeeze(1).shape, t.reshape(3, 1, 4, 1).squeeze(-1).shape)
print(t.reshape(2, 6).t())
print(t.T.shape, t.permute(1, 0).shape, t.transpose(0, 1).shape)
images = torch.arange(24).reshape(2, 3, 4)
print(images.permute(0, 2, 1))
print(images.transpose(0, 2).shape)
print(images.expand(2, 2, 3, 4).shape, torch.tensor([[1], [2]]).expand(2, 3))
print(torch.tensor([1, 2]).repeat(2, 2))
