# One rank of a process group shared with a ResNet.MLNet process: torch.distributed's own init_process_group
# (backend "gloo", tcp:// rendezvous), then the collectives the C# side runs in the same order. Prints JSON with this
# rank's inputs and results, so the test checks both sides against the sum it computes itself.
import json, sys
from datetime import timedelta
import torch
import torch.distributed as dist

port, rank, world = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world,
                        timeout=timedelta(seconds=30))
g = torch.Generator().manual_seed(1000 + rank)
# The C# side all-reduces a (2, 3) and a (4,) float tensor plus a (2,) float64 one as one call: c10d buckets by
# dtype, so here that is one float32 tensor of 10 and one float64 tensor of 2, in that order.
floats = torch.randn(10, generator=g)
doubles = torch.randn(2, generator=g, dtype=torch.float64)
reduced_f, reduced_d = floats.clone(), doubles.clone()
dist.all_reduce(reduced_f)
dist.all_reduce(reduced_d)
# Broadcast from each rank in turn: rank r sends arange(5) * (r + 1) + its input's first value.
sent, received = [], []
for root in range(world):
    t = torch.arange(5, dtype=torch.float32) * (root + 1) + floats[0] if root == rank else torch.zeros(5)
    if root == rank:
        sent = t.tolist()
    dist.broadcast(t, src=root)
    received.append(t.tolist())
dist.barrier()
print(json.dumps({"floats": floats.tolist(), "doubles": doubles.tolist(), "reduced_floats": reduced_f.tolist(),
                  "reduced_doubles": reduced_d.tolist(), "sent": sent, "received": received}))
dist.destroy_process_group()
