"""Fixtures of the Hub tests: the repos the emulator serves and the emulator itself."""
import os
import shutil

import pytest

from hub_env import DEMO, Emulator

# What `llm-mcp download` takes from org/demo by default (safetensors weights, configs, tokenizer,
# chat template) and what it leaves (the same weights as .bin, Meta's original/ checkpoint).
DEFAULT_FILES = ["chat_template.jinja", "config.json", "generation_config.json", "model.safetensors",
                 "tokenizer.json", "tokenizer_config.json"]


def make_repos(root):
    demo = os.path.join(root, "demo")
    shutil.copytree(DEMO, demo)
    os.makedirs(os.path.join(demo, "original"))
    with open(os.path.join(demo, "original", "consolidated.00.pth"), "wb") as f:
        f.write(b"\0" * 4096)
    with open(os.path.join(demo, "original", "params.json"), "w") as f:
        f.write('{"dim": 64}\n')
    with open(os.path.join(demo, "pytorch_model.bin"), "wb") as f:
        f.write(b"\1" * 4096)
    with open(os.path.join(demo, "sub dir"), "w") as f:  # a name that needs URL quoting
        f.write("a file with a space in its name\n")
    v1 = os.path.join(root, "demo-v1")
    shutil.copytree(demo, v1)
    with open(os.path.join(v1, "README.md"), "w") as f:
        f.write("# version 1\n")
    small = os.path.join(root, "small")
    os.makedirs(small)
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(DEMO, name), small)
    return {"org/demo": demo, "org/demo@v1": v1, "org/gated": small, "org/private": small}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    emu = Emulator(make_repos(str(tmp_path_factory.mktemp("repos"))))
    yield emu
    emu.close()


@pytest.fixture()
def hub(emulator):
    emulator.reset()
    yield emulator
    emulator.reset()
