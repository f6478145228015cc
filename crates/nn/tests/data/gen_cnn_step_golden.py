"""Golden of one training step of a small CNN1 (the original ConvNetShallow's layer order:
conv → BN → ReLU → max-pool, then linear → BN → ReLU → dropout twice, then linear) in
PyTorch: weights, batch, BCE loss, every gradient, and the weights and running statistics
after one and after three Adam steps (lr 0.003, eps 1e-8). Read by `train::parity_tests` in explainn-nn.

Run: ~/.peer/bin/python crates/nn/tests/data/gen_cnn_step_golden.py > crates/nn/tests/data/cnn_step_golden.json
     ~/.peer/bin/python crates/nn/tests/data/gen_cnn_step_golden.py deep > crates/nn/tests/data/deepcnn_step_golden.json
(`deep`: two convolution blocks, as ConvNetDeep stacks them: 4→6 width 5 pool 3, 6→5 width
3 pool 2.)
"""
import sys
import json
import torch
from torch import nn

torch.manual_seed(3)
DEEP = len(sys.argv) > 1 and sys.argv[1] == "deep"
L, C, H = 40, 2, 8
BLOCKS = [(6, 5, 3), (5, 3, 2)] if DEEP else [(6, 5, 3)]  # (filters, width, pool)


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        cin, length = 4, L
        for i, (f, w, p) in enumerate(BLOCKS, start=1):
            setattr(self, f"c{i}", nn.Conv1d(cin, f, w))
            setattr(self, f"bn{i}", nn.BatchNorm1d(f))
            cin, length = f, (length - w + 1) // p
        k = len(BLOCKS) + 1
        self.k = k
        setattr(self, f"d{k}", nn.Linear(cin * length, H))
        setattr(self, f"bn{k}", nn.BatchNorm1d(H))
        setattr(self, f"d{k + 1}", nn.Linear(H, H))
        setattr(self, f"bn{k + 1}", nn.BatchNorm1d(H))
        setattr(self, f"d{k + 2}", nn.Linear(H, C))

    def forward(self, x):
        for i, (_, _, p) in enumerate(BLOCKS, start=1):
            x = nn.functional.max_pool1d(torch.relu(getattr(self, f"bn{i}")(getattr(self, f"c{i}")(x))), p, p)
        x = torch.flatten(x, 1)
        k = self.k
        x = torch.relu(getattr(self, f"bn{k}")(getattr(self, f"d{k}")(x)))
        x = torch.relu(getattr(self, f"bn{k + 1}")(getattr(self, f"d{k + 1}")(x)))
        return getattr(self, f"d{k + 2}")(x)


m = Small()
# Non-trivial BN parameters and running statistics.
with torch.no_grad():
    for bn in (mod for mod in m.modules() if isinstance(mod, nn.BatchNorm1d)):
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
after = state(m)
# Two more steps on the same batch: Adam's moment estimates and bias corrections beyond
# the first step.
for _ in range(2):
    loss2 = nn.BCEWithLogitsLoss()(m(x), y)
    opt.zero_grad()
    loss2.backward()
    opt.step()
json.dump({
    "config": {"input_length": L, "classes": C, "blocks": BLOCKS, "dense": [H, H]},
    "codes": codes.flatten().tolist(),
    "labels": y.flatten().tolist(),
    "before": before,
    "loss": loss.item(),
    "grads": grads,
    "after": after,
    "after3": state(m),
}, __import__("sys").stdout)
