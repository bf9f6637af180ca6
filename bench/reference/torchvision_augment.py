#!/usr/bin/python3
"""torchvision's side of `npm run bench:augment`: the seed's pipeline on a folder of JPEGs.

Decodes each file as torchvision's ImageFolder does (PIL, convert('RGB')) and applies
Resize((256, 256)), RandomCrop((224, 224)), RandomHorizontalFlip(), RandomRotation(5),
ToTensor(), Normalize(ImageNet mean, std) on one thread. Prints one JSON line:
{"images_per_s": median over reps, "reps": [...], "torchvision": version}.

    /usr/bin/python3 bench/reference/torchvision_augment.py <jpeg-dir> --reps 5
"""
import argparse
import json
import os
import statistics
import time

import torch
import torchvision
import torchvision.transforms as T
from PIL import Image


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    transform = T.Compose(
        [
            T.Resize((256, 256)),
            T.RandomCrop((224, 224)),
            T.RandomHorizontalFlip(),
            T.RandomRotation(5),
            T.ToTensor(),
            T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
        ]
    )
    files = sorted(
        os.path.join(args.folder, name)
        for name in os.listdir(args.folder)
        if name.lower().endswith((".jpg", ".jpeg"))
    )

    def one_pass():
        for path in files:
            with open(path, "rb") as f:
                img = Image.open(f).convert("RGB")
            transform(img)

    one_pass()  # warm-up
    rates = []
    for _ in range(args.reps):
        start = time.perf_counter()
        one_pass()
        rates.append(len(files) / (time.perf_counter() - start))
    print(
        json.dumps(
            {
                "images_per_s": statistics.median(rates),
                "reps": rates,
                "images": len(files),
                "torchvision": torchvision.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
