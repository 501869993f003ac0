"""A PyTorch course's Fashion-MNIST network and training loop, as PyTorch code.

Run on PyTorch as it is, or on scratchgrad with its imports changed (``import scratchgrad as torch``,
``import scratchgrad.vision as torchvision``, ...):

    python examples/pytorch/fashion_mnist_course.py --data-root ../shared/data --epochs 1
"""

import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import torchvision
import torchvision.transforms as transforms


class Network(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels=1, out_channels=6, kernel_size=5)
        self.conv2 = nn.Conv2d(in_channels=6, out_channels=12, kernel_size=5)

        self.fc1 = nn.Linear(in_features=12 * 4 * 4, out_features=120)
        self.fc2 = nn.Linear(in_features=120, out_features=60)
        self.out = nn.Linear(in_features=60, out_features=10)

    def forward(self, t):
        t = F.relu(self.conv1(t))
        t = F.max_pool2d(t, kernel_size=2, stride=2)

        t = F.relu(self.conv2(t))
        t = F.max_pool2d(t, kernel_size=2, stride=2)

        t = t.reshape(-1, 12 * 4 * 4)
        t = F.relu(self.fc1(t))
        t = F.relu(self.fc2(t))
        t = self.out(t)
        return t


def get_num_correct(preds, labels):
    return preds.argmax(dim=1).eq(labels).sum().item()


def train_epoch(network, loader, optimizer, max_batches=None):
    total_loss = 0
    total_correct = 0
    for i, batch in enumerate(loader):
        if max_batches is not None and i == max_batches:
            break
        images, labels = batch

        preds = network(images)
        loss = F.cross_entropy(preds, labels)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        total_loss += loss.item() * images.shape[0]
        total_correct += get_num_correct(preds, labels)
    return total_loss, total_correct


@torch.no_grad()
def get_all_preds(model, loader):
    all_preds = torch.tensor([])
    for batch in loader:
        images, labels = batch
        preds = model(images)
        all_preds = torch.cat((all_preds, preds), dim=0)
    return all_preds


def confusion_matrix(targets, preds, num_classes=10):
    stacked = torch.stack((targets, preds.argmax(dim=1)), dim=1)
    cmt = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for p in stacked:
        tl, pl = p.tolist()
        cmt[tl, pl] = cmt[tl, pl] + 1
    return cmt


def main(argv=None):
    parser = argparse.ArgumentParser(description="The course's Fashion-MNIST network")
    parser.add_argument("--data-root", default="./data/FashionMNIST")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--max-batches", type=int, default=None, help="stop each epoch after this many batches")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    train_set = torchvision.datasets.FashionMNIST(
        root=args.data_root, train=True, download=True, transform=transforms.Compose([transforms.ToTensor()])
    )
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=args.batch_size, shuffle=True)

    network = Network()
    optimizer = optim.Adam(network.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        total_loss, total_correct = train_epoch(network, train_loader, optimizer, args.max_batches)
        print("epoch", epoch, "total_correct:", total_correct, "loss:", round(total_loss, 2))

    seen = len(train_set) if args.max_batches is None else args.max_batches * args.batch_size
    prediction_loader = torch.utils.data.DataLoader(torch.utils.data.Subset(train_set, range(seen)), batch_size=1000)
    train_preds = get_all_preds(network, prediction_loader)
    targets = train_set.targets[:seen]
    print("accuracy:", round(get_num_correct(train_preds, targets) / seen, 4))
    cmt = confusion_matrix(targets, train_preds)
    correct = sum(cmt[i, i].item() for i in range(len(cmt)))
    print("confusion matrix:", tuple(cmt.shape), "diagonal", correct, "total", cmt.sum().item())
    return network, cmt


if __name__ == "__main__":
    main()
