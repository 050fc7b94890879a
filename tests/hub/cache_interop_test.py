"""llm-mcp and huggingface_hub share one cache, both ways, against the Hub emulator:
- `llm-mcp download` fills a cache that huggingface_hub's scan_cache_dir(), try_to_load_from_cache()
  and hf_hub_download(), and transformers' AutoConfig / AutoTokenizer (local_files_only) read;
- huggingface_hub's snapshot_download() fills a cache that llm-mcp then uses offline;
- revisions (branch, tag, commit), --local-dir (huggingface_hub's metadata), --include / --exclude
  (the same selection as huggingface_hub's filter_repo_objects), repo ids (validate_repo_id)."""
import hashlib
import json
import os

import pytest

from conftest import DEFAULT_FILES
from hub_env import DEMO, files_under, hf_env, llm_mcp, python


def download(hub, home, *args, **env):
    r = llm_mcp("download", *args, "--json", env=hf_env(home, hub.endpoint, **env))
    return json.loads(r.stdout)


def test_llm_mcp_fills_a_cache_that_huggingface_hub_and_transformers_read(hub, tmp_path):
    j = download(hub, tmp_path, "org/demo")
    assert sorted(f["path"] for f in j["files"]) == DEFAULT_FILES
    snap = j["folder"]
    assert snap == str(tmp_path / "hub" / "models--org--demo" / "snapshots" / j["commit"])
    for name in DEFAULT_FILES:  # relative links into blobs/, holding the repo's bytes
        link = os.readlink(os.path.join(snap, name))
        assert not os.path.isabs(link) and link.startswith("../../blobs/"), link
        assert open(os.path.join(snap, name), "rb").read() == open(os.path.join(DEMO, name), "rb").read()
    repo = tmp_path / "hub" / "models--org--demo"
    assert (repo / "refs" / "main").read_text() == j["commit"]  # no newline, as huggingface_hub reads it
    assert not [f for f in files_under(repo) if f.endswith(".incomplete")]
    code = f"""
import json, huggingface_hub as h, transformers
info = h.scan_cache_dir()
[r] = info.repos
[rev] = r.revisions
paths = {{n: h.try_to_load_from_cache("org/demo", n) for n in {DEFAULT_FILES!r}}}
path_v = h.hf_hub_download("org/demo", "config.json")  # offline: from the cache
cfg = transformers.AutoConfig.from_pretrained("org/demo", local_files_only=True)
tok = transformers.AutoTokenizer.from_pretrained("org/demo", local_files_only=True)
print(json.dumps({{"warnings": [str(w) for w in info.warnings], "repo": r.repo_id, "type": r.repo_type,
  "refs": sorted(rev.refs), "commit": rev.commit_hash, "nb_files": r.nb_files, "size": r.size_on_disk,
  "incomplete": [str(p) for p in getattr(info, "incomplete_files", [])], "paths": paths, "via_download": path_v,
  "model_type": cfg.model_type, "layers": cfg.num_hidden_layers, "ids": tok("Hello, world")["input_ids"]}}))
"""
    got = python(code, hf_env(tmp_path, hub.endpoint, HF_HUB_OFFLINE=1))
    assert got["warnings"] == [] and got["incomplete"] == []
    assert (got["repo"], got["type"], got["refs"], got["commit"]) == ("org/demo", "model", ["main"], j["commit"])
    assert got["nb_files"] == len(DEFAULT_FILES)
    assert got["size"] == sum(os.path.getsize(os.path.join(DEMO, n)) for n in DEFAULT_FILES)
    assert got["paths"] == {n: os.path.join(snap, n) for n in DEFAULT_FILES}
    assert got["via_download"] == os.path.join(snap, "config.json")
    config = json.load(open(os.path.join(DEMO, "config.json")))
    assert (got["model_type"], got["layers"]) == (config["model_type"], config["num_hidden_layers"])
    ours = llm_mcp("tokenize", "--model", "org/demo", "--text", "Hello, world", "--add-special-tokens", "--json",
                   env=hf_env(tmp_path, hub.endpoint, HF_HUB_OFFLINE=1))
    assert json.loads(ours.stdout)["ids"] == got["ids"]


def test_a_cache_filled_by_huggingface_hub_is_used_offline(hub, tmp_path):
    code = """
import json, os, huggingface_hub as h
print(json.dumps({"path": h.snapshot_download("org/demo", endpoint=os.environ["HF_ENDPOINT"])}))
"""
    snap = python(code, hf_env(tmp_path, hub.endpoint))["path"]
    hub.reset()
    offline = hf_env(tmp_path, hub.endpoint, HF_HUB_OFFLINE=1)
    r = llm_mcp("download", "org/demo", env=offline)
    assert r.stdout.strip() == snap and "HF_HUB_OFFLINE" in r.stderr
    info = json.loads(llm_mcp("info", "--model", "org/demo", "--json", env=offline).stdout)
    assert info == json.loads(llm_mcp("info", "--model", DEMO, "--json", env=offline).stdout)
    gen = ["generate", "--prompt", "Remind me", "--max-new-tokens", "8", "--temperature", "0"]
    from_hub = llm_mcp(*gen, "--model", "org/demo", env=offline).stdout
    assert from_hub == llm_mcp(*gen, "--model", DEMO, env=offline).stdout
    assert hub.log() == [], "offline runs must not reach the Hub"


def test_revisions_branch_tag_and_commit(hub, tmp_path):
    main = download(hub, tmp_path, "org/demo")
    v1 = download(hub, tmp_path, "org/demo@v1", "--include", "README.md")
    assert v1["commit"] != main["commit"]
    repo = tmp_path / "hub" / "models--org--demo"
    assert (repo / "refs" / "v1").read_text() == v1["commit"]
    assert open(os.path.join(v1["folder"], "README.md")).read() == "# version 1\n"
    again = download(hub, tmp_path, "org/demo", "--revision", main["commit"])  # a commit: no refs/<hash>
    assert again["folder"] == main["folder"] and again["downloaded_bytes"] == 0
    assert sorted(os.listdir(repo / "refs")) == ["main", "v1"]
    r = llm_mcp("download", "org/demo@nope", env=hf_env(tmp_path, hub.endpoint), check=False)
    assert r.returncode == 1 and "no such revision in org/demo" in r.stderr, r.stderr
    r = llm_mcp("download", "org/demo@v1", "--revision", "main", env=hf_env(tmp_path, hub.endpoint), check=False)
    assert r.returncode == 1 and "given twice" in r.stderr


def test_local_dir_has_huggingface_hub_metadata(hub, tmp_path):
    target = tmp_path / "here"
    j = download(hub, tmp_path / "home", "org/demo", "--local-dir", target)
    assert j["folder"] == str(target)
    assert [f for f in files_under(target) if not f.startswith(".cache")] == DEFAULT_FILES
    meta = (target / ".cache" / "huggingface" / "download" / "config.json.metadata").read_text().split("\n")
    assert meta[0] == j["commit"] and len(meta[1]) == 40 and float(meta[2]) > 0
    assert not (tmp_path / "home" / "hub" / "models--org--demo").exists()
    hub.reset()
    code = f"""
import json, huggingface_hub as h
print(json.dumps([h.hf_hub_download("org/demo", n, local_dir={str(target)!r}) for n in {DEFAULT_FILES!r}]))
"""
    paths = python(code, hf_env(tmp_path / "home", hub.endpoint))
    assert paths == [str(target / n) for n in DEFAULT_FILES]
    got = [e for e in hub.log() if e["method"] == "GET" and "/resolve/" in e["path"] or e["server"] == "cdn"]
    assert got == [], f"huggingface_hub downloaded again what llm-mcp put there: {got}"


@pytest.mark.parametrize("include,exclude", [
    (["*.json"], []), (["original/"], []), (["*"], ["*.bin", "original/*"]), (["tok*"], ["*config*"]),
    (["sub dir", "config.json"], []), (["*.safetensors", "*.jinja"], ["model*"]),
])
def test_include_exclude_select_what_huggingface_hub_selects(hub, tmp_path, include, exclude):
    args = [a for g in include for a in ("--include", g)] + [a for g in exclude for a in ("--exclude", g)]
    r = llm_mcp("download", "org/demo", "--dry-run", "--json", *args, env=hf_env(tmp_path, hub.endpoint), check=False)
    code = f"""
import json, huggingface_hub as h
from huggingface_hub.utils import filter_repo_objects
files = h.list_repo_files("org/demo")
print(json.dumps(sorted(filter_repo_objects(files, allow_patterns={include!r} or None, ignore_patterns={exclude!r} or None))))
"""
    expected = python(code, hf_env(tmp_path, hub.endpoint))
    if not expected:
        assert r.returncode == 1 and "matches the --include / --exclude patterns" in r.stderr
        return
    assert r.returncode == 0, r.stderr
    assert sorted(f["path"] for f in json.loads(r.stdout)["files"]) == expected


def test_a_file_name_needing_quoting(hub, tmp_path):
    j = download(hub, tmp_path, "org/demo", "--include", "sub dir")
    assert open(os.path.join(j["folder"], "sub dir")).read() == "a file with a space in its name\n"
    assert any(e["path"] == "/org/demo/resolve/" + j["commit"] + "/sub dir" for e in hub.log())


IDS = ["org/demo", "gpt2", "a-b_c.d/e.f-g_h", "org/", "/name", "org/na--me", "org/na..me", "-org/name", "org/name-",
       "org/na me", "a/b/c", "org/" + "x" * 97, "org/" + "x" * 96, "x" * 97 + "/a", "org/name."]


def test_repo_ids_are_valid_exactly_when_huggingface_hub_says_so(hub, tmp_path):
    code = f"""
import json
from huggingface_hub.utils import validate_repo_id, HFValidationError
out = {{}}
for i in {IDS!r}:
    try:
        validate_repo_id(i); out[i] = True
    except HFValidationError:
        out[i] = False
print(json.dumps(out))
"""
    valid = python(code, hf_env(tmp_path, hub.endpoint))
    for repo_id, ok in valid.items():
        r = llm_mcp("download", "--dry-run", "--", repo_id, env=hf_env(tmp_path, hub.endpoint), check=False)
        refused = "is not a Hugging Face Hub model id" in r.stderr
        assert refused != ok, f"{repo_id!r}: huggingface_hub says valid={ok}; llm-mcp: {r.stderr or r.stdout}"


def test_blob_names_are_the_hub_etags(hub, tmp_path):
    j = download(hub, tmp_path, "org/demo")
    blobs = tmp_path / "hub" / "models--org--demo" / "blobs"
    data = open(os.path.join(DEMO, "model.safetensors"), "rb").read()
    assert (blobs / hashlib.sha256(data).hexdigest()).exists()
    cfg = open(os.path.join(DEMO, "config.json"), "rb").read()
    assert (blobs / hashlib.sha1(b"blob %d\0" % len(cfg) + cfg).hexdigest()).exists()
    assert len(os.listdir(blobs)) == len(j["files"])


@pytest.mark.parametrize("variables", [
    {}, {"XDG_CACHE_HOME": "{t}/xdg"}, {"HF_HOME": "{t}/home"}, {"HF_HOME": "{t}/home", "HUGGINGFACE_HUB_CACHE": "{t}/legacy"},
    {"HF_HOME": "{t}/home", "HUGGINGFACE_HUB_CACHE": "{t}/legacy", "HF_HUB_CACHE": "{t}/cache"},
])
def test_the_cache_folder_is_huggingface_hubs(hub, tmp_path, variables):
    env = hf_env(tmp_path, hub.endpoint)
    del env["HF_HOME"]
    env["HOME"] = str(tmp_path)
    env.update({k: v.format(t=tmp_path) for k, v in variables.items()})
    ours = json.loads(llm_mcp("download", "org/demo", "--dry-run", "--json", env=env).stdout)["cache"]
    theirs = python("import json, huggingface_hub.constants as c; print(json.dumps(c.HF_HUB_CACHE))", env)
    assert ours == theirs
