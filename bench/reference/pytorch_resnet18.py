"""PyTorch side of `npm run bench:transfer`: torchvision's full ResNet-18 (random weights, no
download, BN statistics randomised so that a loading mistake shows), saved as a state_dict,
with its eval-mode logits on a fixed input and its forward time on one thread.

Run by bench/transfer.ts with /usr/bin/python3 (Debian's python3-torch, python3-torchvision).
Usage: pytorch_resnet18.py <out-dir> --batch 4 --side 224 --reps 5
Writes <out-dir>/resnet18.pth and <out-dir>/input.bin (float32, NCHW); prints one JSON line:
{"logits": [[...]], "forward_ms": [...], "torch": "1.13..."}.
"""

import argparse
import json
import os
import time

import torch
import torchvision

parser = argparse.ArgumentParser()
parser.add_argument('out')
parser.add_argument('--batch', type=int, default=4)
parser.add_argument('--side', type=int, default=224)
parser.add_argument('--reps', type=int, default=5)
args = parser.parse_args()

torch.set_num_threads(1)
torch.manual_seed(0)
model = torchvision.models.resnet18(weights=None)
for m in model.modules():
    if isinstance(m, torch.nn.BatchNorm2d):
        m.weight.data.uniform_(0.5, 1.5)
        m.bias.data.normal_(0, 0.1)
        m.running_mean.normal_(0, 0.1)
        m.running_var.uniform_(0.5, 2.0)
model.eval()
torch.save(model.state_dict(), os.path.join(args.out, 'resnet18.pth'))
x = torch.rand(args.batch, 3, args.side, args.side, generator=torch.Generator().manual_seed(1))
x.numpy().astype('float32').tofile(os.path.join(args.out, 'input.bin'))
with torch.no_grad():
    logits = model(x)
    times = []
    for _ in range(args.reps):
        start = time.perf_counter()
        model(x)
        times.append((time.perf_counter() - start) * 1000)
print(json.dumps({'logits': logits.tolist(), 'forward_ms': times, 'torch': torch.__version__}))
