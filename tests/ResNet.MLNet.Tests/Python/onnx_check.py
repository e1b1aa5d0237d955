"""Checks ONNX files with Debian's python3-onnx: onnx.checker.check_model(full_check=True) (which also runs strict
shape inference), then reports the IR version, opsets, operator counts, outputs and metadata_props as JSON.
usage: onnx_check.py PATH...   or, with no arguments, one path per line on stdin and one JSON line per path on
stdout (so a test run pays for one interpreter start)."""
import collections
import json
import sys

import onnx


def check(path):
    try:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
    except Exception as e:  # the message is the test's failure text
        return {"ok": False, "error": f"{type(e).__name__}: {e}"}
    ops = collections.Counter(n.op_type for n in model.graph.node)
    def dims(v):
        return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in v.type.tensor_type.shape.dim]
    return {
        "ok": True,
        "ir_version": model.ir_version,
        "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import},
        "producer": model.producer_name,
        "ops": dict(ops),
        "inputs": {i.name: dims(i) for i in model.graph.input},
        "outputs": {o.name: dims(o) for o in model.graph.output},
        "metadata": {p.key: p.value for p in model.metadata_props},
    }


if len(sys.argv) > 1:
    for p in sys.argv[1:]:
        print(json.dumps(check(p)))
else:
    for line in sys.stdin:
        print(json.dumps(check(line.rstrip("\n"))), flush=True)
