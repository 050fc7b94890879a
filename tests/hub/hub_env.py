"""Shared pieces of the Hub tests: the emulator (tools/hub_emulator) started once per module on
loopback, llm-mcp runs with a chosen Hugging Face environment, and the real huggingface_hub /
transformers run in a child Python (they read HF_* variables once, at import)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

CLI = os.environ.get("LLMCP_CLI", "")
SOURCE_DIR = os.environ.get("LLMCP_SOURCE_DIR", os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..")))
EMULATOR = os.path.join(SOURCE_DIR, "tools", "hub_emulator", "hub_emulator.py")
DEMO = os.path.join(SOURCE_DIR, "examples", "demo-base")


class Emulator:
    """The Hub emulator serving `repos` ({"org/name[@rev]": folder}); stopped by close()."""

    def __init__(self, repos):
        self.dir = tempfile.mkdtemp(prefix="llmcp-hub-emu-")
        ready = os.path.join(self.dir, "ready.json")
        args = [sys.executable, EMULATOR, "--ready-file", ready]
        for ref, folder in repos.items():
            args += ["--repo", f"{ref}={folder}"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(200):
            if os.path.exists(ready):
                break
            assert self.proc.poll() is None, self.proc.stderr.read().decode()
            time.sleep(0.05)
        info = json.load(open(ready))
        self.endpoint, self.cdn = info["endpoint"], info["cdn"]

    def control(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.endpoint + path, data=data, method="GET" if data is None else "POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def reset(self):
        self.control("/_control/reset")

    def faults(self, *faults):
        self.control("/_control/faults", list(faults))

    def auth(self, rules):
        self.control("/_control/auth", rules)

    def log(self):
        return self.control("/_control/log")

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def hf_env(home, endpoint, **extra):
    """The environment of one program run: its own HF_HOME, the emulator as the Hub."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("HF_") and k not in ("TRANSFORMERS_OFFLINE", "HUGGING_FACE_HUB_TOKEN")}
    env.update({"HF_HOME": str(home), "HF_ENDPOINT": endpoint, "HF_HUB_DISABLE_TELEMETRY": "1",
                "HF_HUB_DISABLE_XET": "1", "LLMCP_LOG_LEVEL": "warn", "TOKENIZERS_PARALLELISM": "false"})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def llm_mcp(*args, env, check=True, timeout=300):
    assert CLI, "LLMCP_CLI is not set (run through ctest)"
    r = subprocess.run([CLI, *map(str, args)], env=env, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"llm-mcp {' '.join(map(str, args))} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def python(code, env, timeout=300):
    """Runs `code` in a fresh interpreter of this environment; returns what it printed as JSON."""
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise AssertionError(f"python failed ({r.returncode}):\n{code}\n{r.stdout}\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def files_under(folder):
    out = []
    for root, dirs, names in os.walk(folder):
        for n in names:
            out.append(os.path.relpath(os.path.join(root, n), folder))
    return sorted(out)
