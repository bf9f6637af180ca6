"""PyTorch twin of `npm run bench:engine`: the same nets, batch, optimiser and data size.

Run by bench/engine.ts with /usr/bin/python3 (Debian's python3-torch). Prints one JSON line:
{"net", "threads", "samples_per_s", "reps": [...], "torch"}.
Usage: pytorch_engine.py <cnn|resnet> --threads N --batch 64 --steps 10 --reps 5 --warmup 3
"""

import argparse
import json
import sys
import statistics
import time

import torch
from torch import nn


def small_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10),
    )


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return torch.relu(y + (x if self.short is None else self.short(x)))


def resnet(widths=(16, 32, 64), blocks=2):
    layers = [nn.Conv2d(3, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU()]
    cin = widths[0]
    for stage, w in enumerate(widths):
        for b in range(blocks):
            layers.append(Block(cin, w, 2 if stage > 0 and b == 0 else 1))
            cin = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10)]
    return nn.Sequential(*layers)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("net", choices=["cnn", "resnet"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--serve", action="store_true",
                   help="after warm-up print 'ready', then time one pass per 'rep' line on stdin")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = small_cnn() if a.net == "cnn" else resnet()
    shape = (1, 28, 28) if a.net == "cnn" else (3, 32, 32)
    n = a.batch * a.steps
    x = torch.rand(n, *shape)
    y = torch.randint(0, 10, (n,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()

    def step(i):
        xb = x[i * a.batch:(i + 1) * a.batch]
        yb = y[i * a.batch:(i + 1) * a.batch]
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(a.warmup):
        step(i % a.steps)

    def one_pass():
        t0 = time.perf_counter()
        for i in range(a.steps):
            step(i)
        return n / (time.perf_counter() - t0)

    if a.serve:
        print("ready", flush=True)
        for line in sys.stdin:
            if line.strip() != "rep":
                break
            print(json.dumps({"samples_per_s": one_pass()}), flush=True)
        return
    reps = [one_pass() for _ in range(a.reps)]
    print(json.dumps({"net": a.net, "threads": a.threads, "samples_per_s": statistics.median(reps),
                      "reps": reps, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
