"""Prints the operator counts of an ONNX file as 'domain:op count' lines, with Debian's python3-onnx, without the
checker (ONNX Runtime's optimised graphs use its own contrib operators, which the checker does not know).
usage: onnx_ops.py PATH"""
import collections
import sys

import onnx

model = onnx.load(sys.argv[1])
for op, n in sorted(collections.Counter(f"{node.domain}:{node.op_type}" for node in model.graph.node).items()):
    print(op, n)
