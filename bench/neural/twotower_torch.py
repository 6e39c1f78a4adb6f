#!/usr/bin/env python3
"""PyTorch twin of cinerec's two-tower model (reference configuration), for the speed bench.

Same architecture, loss, optimiser and batching as `cinerec_neural::TwoTower` with its
defaults: 64-d user and movie embeddings ~ Uniform(+-0.05); rating network
Linear(128, 256) -> ReLU -> Linear(256, 128) -> ReLU -> Linear(128, 1), Glorot-uniform weights,
zero biases; loss = 1.0 x MSE(rating) (mean over the batch) + 1.0 x in-batch softmax
cross-entropy (logits = user_emb @ movie_emb.T, label = the row's own movie; summed over the
batch, as TensorFlow Recommenders' Retrieval task); Adagrad as Keras has it (lr 0.1, initial
accumulator 0.1, eps 1e-7); batch 1000, examples shuffled every epoch, no validation hold-out
(as cinerec's `--bench-epochs` run). Dense embedding gradients, as burn's `select` gives.

Prints one line `TORCH {json}` with the seconds of every epoch and the mean training loss.

    python twotower_torch.py --train ratings_train.csv --epochs 3 --threads 2
"""
import argparse
import csv
import json
import time

import torch
from torch import nn


def read(path):
    users, items, ratings = [], [], []
    with open(path, newline="") as f:
        r = csv.DictReader(f)
        for row in r:
            users.append(int(row["user"]))
            items.append(int(row["item"]))
            ratings.append(float(row["rating"]))
    return users, items, ratings


class TwoTower(nn.Module):
    def __init__(self, n_users, n_items, dim=64, hidden=(256, 128)):
        super().__init__()
        self.users = nn.Embedding(n_users, dim)
        self.items = nn.Embedding(n_items, dim)
        nn.init.uniform_(self.users.weight, -0.05, 0.05)
        nn.init.uniform_(self.items.weight, -0.05, 0.05)
        widths = [2 * dim, *hidden, 1]
        layers = []
        for k in range(len(widths) - 1):
            lin = nn.Linear(widths[k], widths[k + 1])
            nn.init.xavier_uniform_(lin.weight)
            nn.init.zeros_(lin.bias)
            layers.append(lin)
            if k < len(widths) - 2:
                layers.append(nn.ReLU())
        self.rating = nn.Sequential(*layers)

    def forward(self, u, i):
        ue, ie = self.users(u), self.items(i)
        pred = self.rating(torch.cat([ue, ie], dim=1)).squeeze(1)
        logits = ue @ ie.T
        return pred, logits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--run", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    users, items, ratings = read(a.train)
    # MovieLens-100K raw ids are 1..943 and 1..1682: index = id - 1 (the full catalogue,
    # as cinerec's tables are sized by the catalogue).
    n_users, n_items = max(943, max(users)), max(1682, max(items))
    u_all = torch.tensor([u - 1 for u in users], dtype=torch.long)
    i_all = torch.tensor([i - 1 for i in items], dtype=torch.long)
    r_all = torch.tensor(ratings, dtype=torch.float32)
    model = TwoTower(n_users, n_items)
    opt = torch.optim.Adagrad(model.parameters(), lr=0.1, eps=1e-7, initial_accumulator_value=0.1)
    mse = nn.MSELoss()
    xent = nn.CrossEntropyLoss(reduction="sum")
    n = len(users)
    secs, losses = [], []
    t_fit = time.perf_counter()
    for _ in range(a.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        total = 0.0
        for s in range(0, n, a.batch):
            idx = perm[s : s + a.batch]
            u, i, r = u_all[idx], i_all[idx], r_all[idx]
            pred, logits = model(u, i)
            labels = torch.arange(len(idx))
            loss = mse(pred, r) + xent(logits, labels)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        secs.append(time.perf_counter() - t0)
        losses.append(total / n)
    print(
        "TORCH "
        + json.dumps(
            {
                "run": a.run,
                "epoch_seconds": secs,
                "fit_seconds": time.perf_counter() - t_fit,
                "train_loss": losses,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
