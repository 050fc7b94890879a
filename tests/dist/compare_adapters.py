"""Two training runs' outputs agree: the same adapter tensors within 1e-6 (safetensors, read by the
safetensors package) and the same logged losses. Usage: compare_adapters.py RUN_DIR_A RUN_DIR_B"""
import json
import sys

from safetensors.torch import load_file

one, two = sys.argv[1], sys.argv[2]
a, b = load_file(f"{one}/adapter_model.safetensors"), load_file(f"{two}/adapter_model.safetensors")
assert a.keys() == b.keys(), (sorted(a), sorted(b))
worst = max((a[k].double() - b[k].double()).abs().max().item() for k in a)
assert worst <= 1e-6, f"adapters differ by {worst}"
la = [json.loads(l)["loss"] for l in open(f"{one}/metrics.jsonl") if '"loss"' in l]
lb = [json.loads(l)["loss"] for l in open(f"{two}/metrics.jsonl") if '"loss"' in l]
assert len(la) == len(lb) and all(abs(x - y) <= 1e-6 for x, y in zip(la, lb)), (la, lb)
print(f"  {len(a)} tensors, largest difference {worst:.3g}; losses {['%.6f' % x for x in la]}")
