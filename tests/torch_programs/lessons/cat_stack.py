"""Concatenating along an existing axis versus stacking along a new one."""

import torch

t1 = torch.tensor([1, 1, 1])
t2 = torch.tensor([2, 2, 2])
t3 = torch.tensor([3, 3, 3])
print(torch.cat((t1, t2, t3), dim=0))
print(torch.stack((t1, t2, t3), dim=0))
print(torch.cat((t1.unsqueeze(0), t2.unsqueeze(0), t3.unsqueeze(0)), dim=0))
print(torch.stack((t1, t2, t3), dim=1))
print(torch.cat((t1.unsqueeze(1), t2.unsqueeze(1), t3.unsqueeze(1)), dim=1))

# three images (C, H, W) into a batch, and a batch joined with more images
i1, i2, i3 = torch.zeros(3, 28, 28), torch.ones(3, 28, 28), torch.full((3, 28, 28), 2.0)
print(torch.stack((i1, i2, i3), dim=0).shape)
batch = torch.zeros(3, 3, 28, 28)
print(torch.cat((batch, torch.stack((i1, i2, i3))), dim=0).shape)
print(torch.cat((batch, i1.unsqueeze(0)), dim=0).shape)
print(torch.stack((i1, i2, i3)).mean(dim=(1, 2, 3)))

print(torch.arange(10).chunk(3))
print(torch.arange(10).split([3, 7]))
print(torch.arange(6).reshape(2, 3).unbind(1))
print(torch.arange(10).narrow(0, 2, 3))
