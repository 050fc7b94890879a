"""A local stand-in for the Hugging Face Hub, for tests (there is no internet here).

Serves model repos from folders with the Hub's paths and headers, as huggingface_hub 2.x and
llm-mcp use them:
  GET  /api/models/{repo}/revision/{rev}[?blobs=true]   {"id", "sha", "siblings": [...]}
  GET  /api/models/{repo}/tree/{rev}?recursive=true      [{"type": "file", "path", "size", "oid", "lfs"}]
  HEAD|GET /{repo}/resolve/{rev}/{path}                  X-Repo-Commit, ETag / X-Linked-Etag,
       X-Linked-Size; LFS files (safetensors and files over 10 KB) answer 302 to the file store, a
       second server on another port (another origin, as the real CDN), which honours Range.
Errors carry X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) as the Hub's do.
Requests in absolute form (through a proxy) are served too and logged as proxied.

Faults are set at run time with POST /_control/faults (a JSON list), each
  {"kind": "drop"|"status"|"stall"|"throttle"|"corrupt"|"huge"|"evil_name", "match": substring of the path,
   "times": N (default 1; -1 = always), "after": bytes sent before the fault, "status": code,
   "code": X-Error-Code, "seconds": stall, "rate": bytes/s}
and access rules with POST /_control/auth {"repo": {"token": "hf_...", "gated": bool, "accepted": bool}}.
GET /_control/log returns every request seen (method, path, range, authorization, proxied, server).

Run: python hub_emulator.py --repo ORG/NAME=DIR [--repo ORG/NAME@REV=DIR ...] [--ready-file F]
prints {"endpoint": URL, "cdn": URL} as one JSON line (and writes it to F) once listening."""
import argparse
import hashlib
import json
import os
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LFS_THRESHOLD = 10 * 1024


class Repo:
    def __init__(self):
        self.revisions = {}  # name -> commit
        self.commits = {}  # commit -> {path: entry}

    def add(self, rev, folder):
        files = {}
        for root, _, names in os.walk(folder):
            for name in sorted(names):
                full = os.path.join(root, name)
                path = os.path.relpath(full, folder).replace(os.sep, "/")
                data = open(full, "rb").read()
                blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
                lfs = path.endswith(".safetensors") or len(data) > LFS_THRESHOLD
                files[path] = {"path": path, "data": data, "size": len(data), "blob_id": blob,
                               "sha256": hashlib.sha256(data).hexdigest() if lfs else None}
        listing = "".join(f"{p}:{e['blob_id']}\n" for p, e in sorted(files.items()))
        commit = hashlib.sha1((rev + listing).encode()).hexdigest()
        self.commits[commit] = files
        self.revisions[rev] = commit

    def commit_of(self, rev):
        return rev if rev in self.commits else self.revisions.get(rev)


class State:
    def __init__(self):
        self.repos = {}
        self.faults = []
        self.auth = {}
        self.log = []
        self.lock = threading.Lock()
        self.cdn_url = ""

    def take_fault(self, path, kinds):
        with self.lock:
            for f in self.faults:
                if f["kind"] in kinds and f.get("match", "") in path and f.get("times", 1) != 0:
                    if f.get("times", 1) > 0:
                        f["times"] = f.get("times", 1) - 1
                    return dict(f)
        return None


STATE = State()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_kind = "hub"

    def log_message(self, *args):
        pass

    # -- plumbing ---------------------------------------------------------------------------
    def target(self):
        proxied = self.path.startswith("http://") or self.path.startswith("https://")
        url = urllib.parse.urlsplit(self.path)
        return proxied, urllib.parse.unquote(url.path), urllib.parse.parse_qs(url.query)

    def record(self, proxied, path):
        with STATE.lock:
            STATE.log.append({"method": self.command, "path": path, "server": self.server_kind,
                              "range": self.headers.get("Range"), "authorization": self.headers.get("Authorization"),
                              "proxied": proxied})

    def reply(self, status, headers=None, body=b""):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message):
        self.reply(status, {"X-Error-Code": code, "X-Error-Message": message, "Content-Type": "application/json"},
                   json.dumps({"error": message}).encode())

    def json(self, obj):
        self.reply(200, {"Content-Type": "application/json"}, json.dumps(obj).encode())

    def injected_status(self, path):
        f = STATE.take_fault(path, {"status"})
        if f:
            self.error(f.get("status", 500), f.get("code", ""), "injected fault")
            return True
        return False

    # -- the file store: bytes with Range, and the data faults --------------------------------
    def send_bytes(self, data, etag_headers):
        size, start = len(data), 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0] or 0)
            if start >= size:
                return self.reply(416, {"Content-Range": f"bytes */{size}"})
        body = data[start:]
        corrupt = STATE.take_fault(self.path, {"corrupt"})
        if corrupt and body:
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        self.send_response(206 if start else 200)
        for k, v in etag_headers.items():
            self.send_header(k, v)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if self.command == "HEAD":
            return
        drop = STATE.take_fault(self.path, {"drop"})
        stall = STATE.take_fault(self.path, {"stall"})
        throttle = STATE.take_fault(self.path, {"throttle"})
        fault = drop or stall
        sent, chunk = 0, 16 * 1024
        try:
            while sent < len(body):
                if fault and sent >= fault.get("after", 0):
                    if stall:
                        time.sleep(stall.get("seconds", 30))
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                end = min(len(body), sent + chunk)
                if fault:
                    end = min(end, max(sent + 1, fault.get("after", 0)))
                self.wfile.write(body[sent:end])
                self.wfile.flush()
                if throttle:
                    time.sleep((end - sent) / throttle.get("rate", 1 << 20))
                sent = end
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- requests -----------------------------------------------------------------------------
    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        proxied, path, _ = self.target()
        body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        if path == "/_control/faults":
            STATE.faults = json.loads(body or b"[]")
            return self.json({"ok": True})
        if path == "/_control/auth":
            STATE.auth = json.loads(body or b"{}")
            return self.json({"ok": True})
        self.error(404, "", "not found")

    def do_GET(self):
        proxied, path, query = self.target()
        if path.startswith("/_control/"):
            if path == "/_control/log":
                with STATE.lock:
                    return self.json(STATE.log)
            if path == "/_control/reset":
                with STATE.lock:
                    STATE.log, STATE.faults, STATE.auth = [], [], {}
                return self.json({"ok": True})
        self.record(proxied, path)
        if self.server_kind == "cdn" or (proxied and path.startswith("/cdn/")):  # a proxy sends both here
            return self.serve_cdn(path)
        if self.injected_status(path):
            return
        if path.startswith("/api/models/"):
            return self.serve_api(path[len("/api/models/"):], query)
        if "/resolve/" in path:
            return self.serve_resolve(path)
        self.error(404, "", "unknown path")

    def find_repo(self, repo_id):
        """The repo, or None after answering the error a real Hub gives."""
        repo = STATE.repos.get(repo_id)
        rule = STATE.auth.get(repo_id)
        given = self.headers.get("Authorization", "")
        if rule:
            if not given:
                self.error(401, "GatedRepo" if rule.get("gated") else "RepoNotFound",
                           "Access to model " + repo_id + " is restricted. You must have access to it and be authenticated.")
                return None
            if given != "Bearer " + rule.get("token", ""):
                self.error(401, "", "Invalid credentials in Authorization header")
                return None
            if rule.get("gated") and not rule.get("accepted", False):
                self.error(403, "GatedRepo", "Access to model " + repo_id + " is restricted and you are not in the authorized list.")
                return None
        if repo is None:
            self.error(404, "RepoNotFound", "Repository not found")
        return repo

    def find_commit(self, repo_id, rev):
        """(repo, commit), or (None, None) after answering the repo's or the revision's error."""
        repo = self.find_repo(repo_id)
        if repo is None:
            return None, None
        commit = repo.commit_of(rev)
        if commit is None:
            self.error(404, "RevisionNotFound", "Invalid rev id: " + rev)
        return repo, commit

    def serve_api(self, rest, query):
        for op in ("/revision/", "/tree/"):
            if op in rest:
                repo_id, rev = rest.split(op, 1)
                break
        else:
            return self.error(404, "", "unknown API path")
        repo, commit = self.find_commit(repo_id, rev)
        if commit is None:
            return
        files = repo.commits[commit]
        huge = STATE.take_fault(rest, {"huge"})
        if op == "/tree/":
            out = []
            for e in files.values():
                item = {"type": "file", "path": e["path"], "size": e["size"], "oid": e["blob_id"]}
                if e["sha256"]:
                    item["lfs"] = {"oid": e["sha256"], "size": e["size"], "pointerSize": 134}
                out.append(item)
            return self.json(out)
        siblings = []
        for e in files.values():
            s = {"rfilename": e["path"]}
            if query.get("blobs") == ["true"]:
                size = e["size"] * (1 << 40) if huge else e["size"]
                s.update({"size": size, "blobId": e["blob_id"]})
                if e["sha256"]:
                    s["lfs"] = {"sha256": e["sha256"], "size": size, "pointerSize": 134}
            siblings.append(s)
        if STATE.take_fault(rest, {"evil_name"}):  # a hostile listing: a name leading out of the snapshot
            siblings.append({"rfilename": "../../escape.json", "size": 2, "blobId": "../../blobs-escape"})
        self.json({"_id": "0" * 24, "id": repo_id, "modelId": repo_id, "sha": commit, "private": False,
                   "gated": bool(STATE.auth.get(repo_id, {}).get("gated")), "siblings": siblings})

    def serve_resolve(self, path):
        repo_id, rest = path.lstrip("/").split("/resolve/", 1)
        rev, _, file = rest.partition("/")
        repo, commit = self.find_commit(repo_id, rev)
        if commit is None:
            return
        e = repo.commits[commit].get(file)
        if e is None:
            self.send_response(404)
            for k, v in {"X-Error-Code": "EntryNotFound", "X-Error-Message": "Entry not found", "X-Repo-Commit": commit}.items():
                self.send_header(k, v)
            self.send_header("Content-Length", "0")
            return self.end_headers()
        if e["sha256"]:
            location = f"{STATE.cdn_url}/cdn/{e['sha256']}?repo={urllib.parse.quote(repo_id)}&sig=emulated"
            return self.reply(302, {"Location": location, "X-Repo-Commit": commit, "ETag": f'"{e["blob_id"]}"',
                                    "X-Linked-Etag": f'"{e["sha256"]}"', "X-Linked-Size": str(e["size"])})
        self.send_bytes(e["data"], {"X-Repo-Commit": commit, "ETag": f'"{e["blob_id"]}"'})

    def serve_cdn(self, path):
        if self.injected_status(path):
            return
        sha = path.rsplit("/", 1)[-1]
        for repo in STATE.repos.values():
            for files in repo.commits.values():
                for e in files.values():
                    if e["sha256"] == sha:
                        return self.send_bytes(e["data"], {"ETag": f'"{sha}"'})
        self.error(404, "", "no such object")


class CdnHandler(Handler):
    server_kind = "cdn"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", action="append", required=True, help="ORG/NAME[@REV]=DIR (REV defaults to main)")
    ap.add_argument("--ready-file")
    args = ap.parse_args()
    for spec in args.repo:
        ref, folder = spec.split("=", 1)
        repo_id, _, rev = ref.partition("@")
        STATE.repos.setdefault(repo_id, Repo()).add(rev or "main", folder)
    hub = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    cdn = ThreadingHTTPServer(("127.0.0.1", 0), CdnHandler)
    hub.daemon_threads = cdn.daemon_threads = True
    STATE.cdn_url = f"http://127.0.0.1:{cdn.server_address[1]}"
    threading.Thread(target=cdn.serve_forever, daemon=True).start()
    ready = json.dumps({"endpoint": f"http://127.0.0.1:{hub.server_address[1]}", "cdn": STATE.cdn_url})
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as f:
            f.write(ready)
        os.replace(args.ready_file + ".tmp", args.ready_file)
    print(ready, flush=True)
    hub.serve_forever()


if __name__ == "__main__":
    main()
