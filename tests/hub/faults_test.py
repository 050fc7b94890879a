"""Downloads that go wrong, against the Hub emulator's faults: a connection dropped mid-file, a 500
then success, a stalled response, a corrupted body (once: fetched again; always: refused), 401 /
gated 403 / 404, no network, not enough disk, a proxy, kill -9 and Ctrl-C mid-file (the next run
resumes with a Range request), a corrupted blob in the cache, two downloads at once."""
import hashlib
import json
import os
import signal
import subprocess
import time

from conftest import DEFAULT_FILES
from hub_env import CLI, DEMO, files_under, hf_env, llm_mcp

SAFETENSORS = os.path.join(DEMO, "model.safetensors")
SIZE = os.path.getsize(SAFETENSORS)
SHA = hashlib.sha256(open(SAFETENSORS, "rb").read()).hexdigest()


def blob(home):
    return home / "hub" / "models--org--demo" / "blobs" / SHA


def assert_complete(home):
    snap = home / "hub" / "models--org--demo" / "snapshots"
    [commit] = os.listdir(snap)
    assert sorted(os.listdir(snap / commit)) == DEFAULT_FILES
    assert hashlib.sha256(blob(home).read_bytes()).hexdigest() == SHA
    assert not [f for f in files_under(home / "hub") if f.endswith(".incomplete")]


def ranges(hub):
    return [e["range"] for e in hub.log() if e["server"] == "cdn" and e["method"] == "GET" and e["range"]]


def test_connection_dropped_mid_file_resumes_with_range(hub, tmp_path):
    hub.faults({"kind": "drop", "match": SHA, "after": 1 << 20})
    r = llm_mcp("download", "org/demo", env=hf_env(tmp_path, hub.endpoint))
    assert "retrying" in r.stderr
    assert ranges(hub) == [f"bytes={1 << 20}-"]
    assert_complete(tmp_path)


def test_server_error_then_success(hub, tmp_path):
    hub.faults({"kind": "status", "status": 500, "match": "/resolve/", "times": 2})
    r = llm_mcp("download", "org/demo", env=hf_env(tmp_path, hub.endpoint))
    assert "HTTP 500" in r.stderr and "retrying" in r.stderr
    assert_complete(tmp_path)


def test_stalled_response_times_out_and_resumes(hub, tmp_path):
    hub.faults({"kind": "stall", "match": SHA, "after": 300000, "seconds": 6})
    r = llm_mcp("download", "org/demo", env=hf_env(tmp_path, hub.endpoint, HF_HUB_DOWNLOAD_TIMEOUT=2))
    assert "retrying" in r.stderr
    assert ranges(hub) == ["bytes=300000-"]
    assert_complete(tmp_path)


def test_a_body_corrupted_once_is_fetched_again(hub, tmp_path):
    hub.faults({"kind": "corrupt", "match": SHA})
    r = llm_mcp("download", "org/demo", env=hf_env(tmp_path, hub.endpoint))
    assert "wrong checksum" in r.stderr
    assert_complete(tmp_path)


def test_a_body_that_never_matches_its_sha256_is_refused_and_nothing_is_kept(hub, tmp_path):
    hub.faults({"kind": "corrupt", "match": SHA, "times": -1})
    r = llm_mcp("download", "org/demo", env=hf_env(tmp_path, hub.endpoint), check=False)
    assert r.returncode == 1 and "arrived twice with the wrong checksum" in r.stderr and SHA in r.stderr, r.stderr
    repo = tmp_path / "hub" / "models--org--demo"
    assert not blob(tmp_path).exists() and not (repo / "snapshots").exists() and not (repo / "refs").exists()
    assert not [f for f in files_under(repo) if f.endswith(".incomplete")]


def test_authentication_errors_say_what_to_do(hub, tmp_path):
    hub.auth({"org/private": {"token": "hf_good"}, "org/gated": {"token": "hf_good", "gated": True}})
    env = hf_env(tmp_path, hub.endpoint)
    r = llm_mcp("download", "org/private", env=env, check=False)
    assert r.returncode == 1 and "without a token" in r.stderr and "HF_TOKEN" in r.stderr, r.stderr
    r = llm_mcp("download", "org/gated", env=env, check=False)
    assert "gated model" in r.stderr and f"{hub.endpoint}/org/gated" in r.stderr and "accept its license" in r.stderr
    r = llm_mcp("download", "org/gated", env={**env, "HF_TOKEN": "hf_bad"}, check=False)
    assert "refused the token from HF_TOKEN" in r.stderr, r.stderr
    hub.auth({"org/gated": {"token": "hf_good", "gated": True, "accepted": False}})
    r = llm_mcp("download", "org/gated", env={**env, "HF_TOKEN": "hf_good"}, check=False)
    assert r.returncode == 1 and "accept its license" in r.stderr and "HF_TOKEN" in r.stderr, r.stderr
    r = llm_mcp("download", "org/nope", env=env, check=False)
    assert r.returncode == 1 and "no model repo org/nope" in r.stderr


def test_tokens_from_the_environment_or_the_login_file_and_never_to_the_file_store(hub, tmp_path):
    hub.auth({"org/demo": {"token": "hf_good", "gated": True, "accepted": True}})
    llm_mcp("download", "org/demo", env=hf_env(tmp_path / "a", hub.endpoint, HF_TOKEN="hf_good"))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "token").write_text("hf_good\n")  # what `hf auth login` writes
    llm_mcp("download", "org/demo", env=hf_env(tmp_path / "b", hub.endpoint))
    log = hub.log()
    assert all(e["authorization"] == "Bearer hf_good" for e in log if e["server"] == "hub")
    assert [e for e in log if e["server"] == "cdn"] and all(e["authorization"] is None for e in log if e["server"] == "cdn")
    assert_complete(tmp_path / "a")


def test_offline_and_unreachable(hub, tmp_path):
    r = llm_mcp("download", "org/demo", env=hf_env(tmp_path, hub.endpoint, HF_HUB_OFFLINE=1), check=False)
    assert r.returncode == 1 and "HF_HUB_OFFLINE is set" in r.stderr and "holds for org/demo: nothing" in r.stderr
    down = "http://127.0.0.1:9"  # nothing listens on the discard port
    r = llm_mcp("download", "org/demo", env=hf_env(tmp_path, down), check=False)
    assert r.returncode == 1 and "cannot reach the Hub at " + down in r.stderr, r.stderr
    folder = llm_mcp("download", "org/demo", env=hf_env(tmp_path, hub.endpoint)).stdout.strip()
    r = llm_mcp("download", "org/demo", env=hf_env(tmp_path, down))
    assert r.stdout.strip() == folder and "using the cached snapshot" in r.stderr


def test_a_destination_that_cannot_be_created_is_named(hub, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    r = llm_mcp("download", "org/demo", "--local-dir", tmp_path / "file" / "x", env=hf_env(tmp_path, hub.endpoint),
                check=False)
    assert r.returncode == 1 and "cannot create" in r.stderr and "choose another --local-dir" in r.stderr, r.stderr
    r = llm_mcp("download", "org/demo", env={**hf_env(tmp_path, hub.endpoint), "HF_HUB_CACHE": str(tmp_path / "file")},
                check=False)
    assert r.returncode == 1 and "set HF_HOME or HF_HUB_CACHE" in r.stderr, r.stderr


def test_a_listed_name_leading_out_of_the_snapshot_is_refused(hub, tmp_path):
    hub.faults({"kind": "evil_name"})
    r = llm_mcp("download", "org/demo", "--include", "*", env=hf_env(tmp_path, hub.endpoint), check=False)
    assert r.returncode == 1 and "not a plain relative path" in r.stderr, r.stderr
    assert files_under(tmp_path) == [] or not (tmp_path / "hub" / "models--org--demo" / "blobs").exists()
    assert not (tmp_path / "escape.json").exists() and not (tmp_path / "hub" / "escape.json").exists()


def test_not_enough_disk_is_refused_before_the_first_byte(hub, tmp_path):
    hub.faults({"kind": "huge", "times": -1})
    r = llm_mcp("download", "org/demo", env=hf_env(tmp_path, hub.endpoint), check=False)
    assert r.returncode == 1 and "not enough disk space" in r.stderr, r.stderr
    assert [e for e in hub.log() if "/resolve/" in e["path"] or e["server"] == "cdn"] == []
    assert not (tmp_path / "hub" / "models--org--demo" / "blobs").exists()


def test_through_a_proxy(hub, tmp_path):
    env = hf_env(tmp_path, "http://hub.invalid", http_proxy=hub.endpoint, NO_PROXY="", no_proxy="")
    llm_mcp("download", "org/demo", env=env)
    log = hub.log()
    assert log and all(e["proxied"] for e in log)
    assert_complete(tmp_path)


def start_slow_download(hub, home):
    hub.faults({"kind": "throttle", "match": SHA, "rate": 1 << 20, "times": -1})
    proc = subprocess.Popen([CLI, "download", "org/demo"], env=hf_env(home, hub.endpoint), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    partial = blob(home).with_name(SHA + ".incomplete")
    for _ in range(300):
        if partial.exists() and partial.stat().st_size > 1 << 20:
            return proc, partial
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the throttled download never got going: " + proc.communicate()[1])


def test_kill_9_mid_file_then_resume(hub, tmp_path):
    proc, partial = start_slow_download(hub, tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kept = partial.stat().st_size
    assert 0 < kept < SIZE and not (tmp_path / "hub" / "models--org--demo" / "snapshots").exists()
    hub.reset()
    llm_mcp("download", "org/demo", env=hf_env(tmp_path, hub.endpoint))
    assert ranges(hub) == [f"bytes={kept}-"]
    assert_complete(tmp_path)


def test_ctrl_c_stops_cleanly_and_resumes(hub, tmp_path):
    proc, partial = start_slow_download(hub, tmp_path)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "continues where it left off" in err, err
    assert partial.exists() and "Traceback" not in err and "terminate" not in err
    hub.reset()
    llm_mcp("download", "org/demo", env=hf_env(tmp_path, hub.endpoint))
    assert len(ranges(hub)) == 1
    assert_complete(tmp_path)


def test_a_corrupted_blob_in_the_cache_is_detected_and_fetched_again(hub, tmp_path):
    llm_mcp("download", "org/demo", env=hf_env(tmp_path, hub.endpoint))
    data = bytearray(blob(tmp_path).read_bytes())
    data[1000] ^= 0xFF
    blob(tmp_path).write_bytes(bytes(data))
    r = llm_mcp("download", "org/demo", env=hf_env(tmp_path, hub.endpoint))
    assert "does not match its checksum" in r.stderr, r.stderr
    assert_complete(tmp_path)


def test_two_downloads_at_once_share_the_cache(hub, tmp_path):
    hub.faults({"kind": "throttle", "match": SHA, "rate": 4 << 20, "times": -1})
    env = hf_env(tmp_path, hub.endpoint)
    procs = [subprocess.Popen([CLI, "download", "org/demo", "--json"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert json.loads(outs[0][0])["folder"] == json.loads(outs[1][0])["folder"]
    cdn_gets = [e for e in hub.log() if e["server"] == "cdn" and e["method"] == "GET"]
    assert len(cdn_gets) == 2, "one process waits on the other's lock, then finds the blob in place"
    assert_complete(tmp_path)
