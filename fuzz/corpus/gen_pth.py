"""Writes the seed inputs of the `pth` fuzz target: the state_dict of a tiny original
ExplaiNN (2 units, 30 bp, 1 class) as PyTorch's zip format and as its legacy pickle.

Run: ~/.peer/bin/python fuzz/corpus/gen_pth.py   (PyPI explainn==0.1.5 and torch)
"""
import os
import torch
from explainn.models.networks import ExplaiNN

torch.manual_seed(0)
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pth")
sd = ExplaiNN(2, 30, 1).state_dict()
torch.save(sd, os.path.join(here, "zip"))
torch.save(sd, os.path.join(here, "legacy"), _use_new_zipfile_serialization=False)
