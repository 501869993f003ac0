"""Reshaping and flattening: a batch of three 4x4 grayscale images, flattened per image for a linear layer."""

import torch

t1 = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]])
t2 = t1 * 2
t3 = t1 * 3
t = torch.stack((t1, t2, t3))
print(t.shape)
t = t.reshape(3, 1, 4, 4)
print(t)
print(t[0])
print(t[0][0])
print(t[0][0][0])
print(t[0][0][0][0])
print(t.reshape(1, -1)[0])
print(t.reshape(-1))
print(t.view(t.numel()))
print(t.flatten())
print(t.flatten(start_dim=1).shape)
print(t.flatten(start_dim=1))
print(torch.flatten(t, 2).shape)

t = torch.arange(12).reshape(3, 4).float()
print(t.reshape(2, 2, 3))
print(t.reshape(6, 2).shape, t.view(2, -1).shape, t.view_as(torch.zeros(4, 3)).shape)


def flatten(t):
    t = t.reshape(1, -1)
    t = t.squeeze()
    return t


print(flatten(t))
