"""Three torch.optim.SGD steps (momentum 0.9, Nesterov, weight decay 0.01 on 2-D weights only, via param groups) on the
weights in IN, with loss sum(W*G) + sum(b*g) so that the gradients are G and g; writes the weights to OUT.
usage: sgd_steps.py IN OUT"""
import sys

import torch

import st

t = st.load(sys.argv[1])
w = torch.nn.Parameter(t["w"].clone())
b = torch.nn.Parameter(t["b"].clone())
opt = torch.optim.SGD([{"params": [w]}, {"params": [b], "weight_decay": 0.0}],
                      lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)
for _ in range(3):
    opt.zero_grad()
    loss = (w * t["gw"]).sum() + (b * t["gb"]).sum()
    loss.backward()
    opt.step()
st.save(sys.argv[2], {"w": w, "b": b})
