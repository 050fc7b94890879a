"""A Hub id wherever a model is taken: `--model ORG/NAME[@REV]` from the cache (an error saying how
to download it otherwise), `--download` fetching it first, the planner sizing a model before any
download (config.json alone fetched), and training on a Hub id recording it as PEFT does
(base_model_name_or_path), with PEFT loading the adapter on the base from the same cache."""
import json
import os

from conftest import DEFAULT_FILES
from hub_env import DEMO, hf_env, llm_mcp, python

DATA = os.path.join(os.path.dirname(DEMO), "data", "tool_calls_train.jsonl")


def test_a_hub_id_the_cache_lacks_is_an_error_saying_how_to_get_it(hub, tmp_path):
    env = hf_env(tmp_path, hub.endpoint)
    for args in (["info"], ["generate", "--prompt", "hi"], ["tokenize", "--text", "hi"],
                 ["eval", "--data", DATA], ["merge", "--adapter", "x", "--out", str(tmp_path / "m")]):
        r = llm_mcp(*args, "--model", "org/demo", env=env, check=False)
        assert r.returncode == 1, args
        assert "llm-mcp download org/demo" in r.stderr and "--download" in r.stderr, r.stderr
    assert hub.log() == [], "without --download nothing is fetched"


def test_download_flag_fetches_then_runs(hub, tmp_path):
    env = hf_env(tmp_path, hub.endpoint)
    r = llm_mcp("generate", "--model", "org/demo", "--download", "--prompt", "Remind me", "--max-new-tokens", "6",
                "--temperature", "0", env=env)
    assert r.stdout == llm_mcp("generate", "--model", DEMO, "--prompt", "Remind me", "--max-new-tokens", "6",
                               "--temperature", "0", env=env).stdout
    snap = tmp_path / "hub" / "models--org--demo" / "snapshots"
    [commit] = os.listdir(snap)
    assert sorted(os.listdir(snap / commit)) == DEFAULT_FILES


def test_the_planner_sizes_a_model_before_downloading_it(hub, tmp_path):
    r = llm_mcp("estimate", "--model", "org/demo", "--method", "lora", "--memory", "8", "--json",
                env=hf_env(tmp_path, hub.endpoint))
    j = json.loads(r.stdout)
    assert j["download"]["total_bytes"] == sum(os.path.getsize(os.path.join(DEMO, n)) for n in DEFAULT_FILES)
    config_size = os.path.getsize(os.path.join(DEMO, "config.json"))  # fetched to plan; the rest is missing
    assert j["download"]["missing_bytes"] == j["download"]["total_bytes"] - config_size
    assert j["model"]["parameters"] == json.loads(llm_mcp("info", "--model", DEMO, "--json",
                                                          env=hf_env(tmp_path, hub.endpoint)).stdout)["parameters"]
    fetched = [e["path"] for e in hub.log() if e["method"] == "GET" and ("/resolve/" in e["path"] or e["server"] == "cdn")]
    assert fetched and all(p.endswith("/config.json") for p in fetched), fetched
    text = llm_mcp("estimate", "--model", "org/demo", "--method", "lora", "--memory", "8",
                   env=hf_env(tmp_path, hub.endpoint)).stdout
    assert "`llm-mcp download org/demo` fetches 6 files" in text


def test_training_on_a_hub_id_records_it_as_peft_does(hub, tmp_path):
    out = tmp_path / "run"
    config = tmp_path / "run.yaml"
    config.write_text(f"model: org/demo\ndataset: {DATA}\noutput_dir: {out}\nmax_steps: 2\nbatch_size: 2\n"
                      "seq_len: 64\nlora_rank: 4\nlogging_steps: 1\nsave_steps: 0\n")
    env = hf_env(tmp_path / "home", hub.endpoint)
    r = llm_mcp("train", config, env=env, check=False)
    assert r.returncode == 1 and "llm-mcp download org/demo" in r.stderr
    r = llm_mcp("train", config, "--dry-run", env=env)  # checks the config without downloading
    assert json.loads(r.stdout)["model"] == "org/demo"
    llm_mcp("train", config, "--download", env=env)
    adapter = json.load(open(out / "adapter_config.json"))
    assert adapter["base_model_name_or_path"] == "org/demo"
    # PEFT finds the base through base_model_name_or_path in the cache llm-mcp filled
    code = f"""
import json, torch, transformers, peft
auto = peft.AutoPeftModelForCausalLM.from_pretrained({str(out)!r}, local_files_only=True)
base = transformers.AutoModelForCausalLM.from_pretrained({DEMO!r})
direct = peft.PeftModel.from_pretrained(base, {str(out)!r})
ids = torch.tensor([[1, 5, 9, 13]])
with torch.no_grad():
    diff = (auto(ids).logits - direct(ids).logits).abs().max().item()
print(json.dumps({{"diff": diff, "base": auto.peft_config["default"].base_model_name_or_path}}))
"""
    got = python(code, hf_env(tmp_path / "home", hub.endpoint, HF_HUB_OFFLINE=1))
    assert got["base"] == "org/demo" and got["diff"] == 0.0
