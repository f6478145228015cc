"""Golden of one training step of a small CNN1 (the original ConvNetShallow's layer order:
conv → BN → ReLU → max-pool, then linear → BN → ReLU → dropout twice, then linear) in
PyTorch: weights, batch, BCE loss, every gradient, and the weights and running statistics
after one Adam step (lr 0.003, eps 1e-8). Read by `train::parity_tests` in explainn-nn.

Run: ~/.peer/bin/python crates/nn/tests/data/gen_cnn_step_golden.py > crates/nn/tests/data/cnn_step_golden.json
"""
import json
import torch
from torch import nn

torch.manual_seed(3)
L, C, F, W, P, H = 40, 2, 6, 5, 3, 8
flat = F * ((L - W + 1) // P)


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(4, F, W)
        self.bn1 = nn.BatchNorm1d(F)
        self.mp1 = nn.MaxPool1d(P, P)
        self.d2 = nn.Linear(flat, H)
        self.bn2 = nn.BatchNorm1d(H)
        self.d3 = nn.Linear(H, H)
        self.bn3 = nn.BatchNorm1d(H)
        self.d4 = nn.Linear(H, C)

    def forward(self, x):
        x = self.mp1(torch.relu(self.bn1(self.c1(x))))
        x = torch.flatten(x, 1)
        x = torch.relu(self.bn2(self.d2(x)))
        x = torch.relu(self.bn3(self.d3(x)))
        return self.d4(x)


m = Small()
# Non-trivial BN parameters and running statistics.
with torch.no_grad():
    for bn in (m.bn1, m.bn2, m.bn3):
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.2, 0.2)
        bn.running_mean.uniform_(-0.1, 0.1)
        bn.running_var.uniform_(0.5, 1.5)
B = 6
codes = torch.randint(0, 4, (B, L))
codes[1, 7] = 4  # an N
codes[4, 20:23] = 4
x = torch.zeros(B, 5, L)
x.scatter_(1, codes[:, None, :], 1.0)
x = x[:, :4]
y = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])


def state(model):
    return {k: [list(v.shape), v.detach().flatten().tolist()] for k, v in model.state_dict().items()
            if not k.endswith("num_batches_tracked")}


before = state(m)
opt = torch.optim.Adam(m.parameters(), lr=0.003, eps=1e-8)
m.train()
loss = nn.BCEWithLogitsLoss()(m(x), y)
opt.zero_grad()
loss.backward()
grads = {k: p.grad.flatten().tolist() for k, p in m.named_parameters()}
opt.step()
json.dump({
    "config": {"input_length": L, "classes": C, "filters": F, "width": W, "pool": P, "dense": [H, H]},
    "codes": codes.flatten().tolist(),
    "labels": y.flatten().tolist(),
    "before": before,
    "loss": loss.item(),
    "grads": grads,
    "after": state(m),
}, __import__("sys").stdout)
