"""Download throughput on loopback: `llm-mcp download` against huggingface_hub's snapshot_download,
one run, the same emulated repo (tools/hub_emulator: two LFS files of SIZE_MB each behind a file
store on another origin, plus config.json), each into a fresh cache, best of REPEATS. Prints one
markdown row. llm-mcp also verifies every file's sha256 (huggingface_hub does not), which this
includes. The emulator is Python's http.server: it bounds both, so the ratio measures client
overhead, not what a real network gives.
Usage: python hub_download.py LLM_MCP [--size-mb 256] [--repeats 3]"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests", "hub"))
from hub_env import Emulator, hf_env  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("--size-mb", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="llmcp-hub-bench-")
    repo = os.path.join(work, "repo")
    os.makedirs(repo)
    for i in (1, 2):
        with open(os.path.join(repo, f"model-0000{i}-of-00002.safetensors"), "wb") as f:
            f.write(os.urandom(a.size_mb << 20))
    shutil.copy(os.path.join(here, "..", "examples", "demo-base", "config.json"), repo)
    total = 2 * (a.size_mb << 20)
    emu = Emulator({"bench/model": repo})
    try:
        def timed(cmd, env):
            best = float("inf")
            for r in range(a.repeats):
                home = os.path.join(work, f"home-{time.monotonic_ns()}")
                e = {**env(home)}
                t = time.perf_counter()
                subprocess.run(cmd, env=e, check=True, capture_output=True)
                best = min(best, time.perf_counter() - t)
                shutil.rmtree(home)
            return best

        ours = timed([a.cli, "download", "bench/model"], lambda h: hf_env(h, emu.endpoint))
        code = "import os, huggingface_hub as h; h.snapshot_download('bench/model', endpoint=os.environ['HF_ENDPOINT'])"
        peer = timed([sys.executable, "-c", code], lambda h: hf_env(h, emu.endpoint))
        mbs = lambda s: total / s / (1 << 20)  # noqa: E731
        print(f"| download {2 * a.size_mb} MiB (2 files) | {mbs(ours):.0f} MiB/s | {mbs(peer):.0f} MiB/s | "
              f"{peer / ours:.2f}x |")
        print(json.dumps({"ours_s": ours, "huggingface_hub_s": peer, "bytes": total}), file=sys.stderr)
    finally:
        emu.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
