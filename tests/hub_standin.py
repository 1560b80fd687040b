"""A Hugging Face Hub stand-in on 127.0.0.1: the few HTTP endpoints huggingface_hub 2.4 uses to publish a dataset.

It keeps repositories in memory as commit snapshots (path -> bytes), branches and tags, and logs every request so
tests can assert which calls were made. Point a real client at it with ``HfApi(endpoint=hub.url)``.

Endpoints, with the request and reply shapes read from huggingface_hub 2.4.0's source:

- ``POST /api/repos/create``: 409 with the repo url when it exists (``exist_ok`` parses that reply).
- ``GET /api/datasets/{repo}/refs`` and ``GET /api/datasets/{repo}/tree/{rev}`` (one page, recursive).
- ``POST /api/validate-yaml``: accepts any card.
- ``POST /api/datasets/{repo}/preupload/{rev}``: answers ``regular`` for every file, so content travels inline
  (base64) in the commit and the LFS/Xet transfer protocol, a separate storage service, is not needed.
- ``POST /api/datasets/{repo}/commit/{rev}``: ndjson header + file/deletedFile lines, honours ``parentCommit``.
- ``POST /api/datasets/{repo}/tag/{rev}`` and ``HEAD``/``GET /datasets/{repo}/resolve/{rev}/{path}``.

Writes need ``Authorization: Bearer <token>``. ``fail_commits``/``fail_tags`` make those endpoints answer 500 with
an error text that echoes the Authorization header, to prove the caller keeps the token out of its own errors.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"


@dataclasses.dataclass
class Repo:
    private: bool
    commits: dict[str, dict[str, bytes]] = dataclasses.field(default_factory=dict)  # oid -> tree snapshot
    history: list[str] = dataclasses.field(default_factory=list)  # commit oids, oldest first
    messages: dict[str, str] = dataclasses.field(default_factory=dict)
    branches: dict[str, str] = dataclasses.field(default_factory=dict)
    tags: dict[str, str] = dataclasses.field(default_factory=dict)

    def resolve(self, revision: str) -> str | None:
        if revision in self.commits:
            return revision
        return self.branches.get(revision) or self.tags.get(revision)

    def add_commit(self, tree: dict[str, bytes], message: str) -> str:
        oid = hashlib.sha1(f"{len(self.history)}:{message}".encode() + json.dumps(sorted(tree)).encode()).hexdigest()
        self.commits[oid] = tree
        self.history.append(oid)
        self.messages[oid] = message
        self.branches["main"] = oid
        return oid


class Reply(Exception):
    """An HTTP answer other than the normal one, raised from a route."""

    def __init__(self, status: int, body: dict[str, Any], error_code: str | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.error_code = status, body, error_code


class HubStandIn:
    def __init__(self, token: str) -> None:
        self.token = token
        self.repos: dict[str, Repo] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) in arrival order
        self.authorizations: list[str | None] = []  # Authorization header of each request
        self.fail_commits = False
        self.fail_tags = False
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval: shutdown() waits for the serving loop to notice, 0.5 s per test by default.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def __enter__(self) -> HubStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def writes(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path in self.requests if method not in ("GET", "HEAD")]

    def tree(self, repo_id: str, revision: str) -> dict[str, bytes]:
        repo = self.repos[repo_id]
        return repo.commits[repo.resolve(revision)]

    # Routes. Each gets the authorization header, the path match and the parsed body.

    def route(self, method: str, path: str, auth: str | None, body: bytes) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.requests.append((method, path))
            self.authorizations.append(auth)
            for route_method, pattern, handler in _ROUTES:
                if route_method == method and (match := re.fullmatch(pattern, path)):
                    try:
                        return handler(self, auth, match, body)
                    except Reply as reply:
                        headers = {"Content-Type": "application/json"}
                        if reply.error_code:
                            headers["X-Error-Code"] = reply.error_code
                        return reply.status, headers, json.dumps(reply.body).encode()
            return (
                404,
                {"Content-Type": "application/json"},
                json.dumps({"error": f"no route {method} {path}"}).encode(),
            )

    def _require_write(self, auth: str | None) -> None:
        if auth != f"Bearer {self.token}":
            raise Reply(401, {"error": "Invalid credentials in Authorization header"})

    def _repo(self, match: re.Match[str], auth: str | None) -> Repo:
        repo = self.repos.get(match["repo"])
        if repo is None or (repo.private and auth != f"Bearer {self.token}"):
            raise Reply(404, {"error": "Repository not found"}, "RepoNotFound")
        return repo

    def _create(self, auth: str | None, match: re.Match[str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        self._require_write(auth)
        payload = json.loads(body)
        assert payload["type"] == "dataset", payload
        repo_id = f"{payload['organization']}/{payload['name']}"
        url = f"{self.url}/datasets/{repo_id}"
        if repo_id in self.repos:
            raise Reply(409, {"error": "You already created this dataset repo", "url": url})
        repo = self.repos[repo_id] = Repo(private=payload.get("visibility") == "private")
        repo.add_commit({".gitattributes": GITATTRIBUTES}, "initial commit")
        return _json({"url": url})

    def _refs(self, auth: str | None, match: re.Match[str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        repo = self._repo(match, auth)

        def refs(kind: str, names: dict[str, str]) -> list[dict[str, str]]:
            return [{"name": n, "ref": f"refs/{kind}/{n}", "targetCommit": oid} for n, oid in names.items()]

        return _json({"branches": refs("heads", repo.branches), "converts": [], "tags": refs("tags", repo.tags)})

    def _tree(self, auth: str | None, match: re.Match[str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        repo = self._repo(match, auth)
        oid = repo.resolve(unquote(match["rev"]))
        if oid is None:
            raise Reply(404, {"error": "Revision not found"}, "RevisionNotFound")
        tree = repo.commits[oid]
        entries = [{"type": "file", "path": p, "size": len(b), "oid": _blob_id(b)} for p, b in sorted(tree.items())]
        return _json(entries)

    def _validate_yaml(self, auth: str | None, match: re.Match[str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        return _json({"errors": [], "warnings": []})

    def _preupload(self, auth: str | None, match: re.Match[str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        self._require_write(auth)
        self._repo(match, auth)
        files = json.loads(body)["files"]
        return _json({"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]})

    def _commit(self, auth: str | None, match: re.Match[str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        self._require_write(auth)
        repo = self._repo(match, auth)
        if self.fail_commits:
            raise Reply(500, {"error": f"storage backend unavailable while handling {auth}"})
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        header = lines[0]["value"]
        branch = unquote(match["rev"])
        parent = repo.branches[branch]
        if header.get("parentCommit", parent) != parent:
            raise Reply(412, {"error": f"A commit has happened since. Please refresh and try again. ({parent})"})
        tree = dict(repo.commits[parent])
        for line in lines[1:]:
            value = line["value"]
            if line["key"] == "file":
                tree[value["path"]] = base64.b64decode(value["content"])
            elif line["key"] == "deletedFile":
                if value["path"] not in tree:
                    raise Reply(404, {"error": "A file with this name doesn't exist"}, "EntryNotFound")
                del tree[value["path"]]
            else:
                raise Reply(400, {"error": f"stand-in does not support commit operation {line['key']}"})
        oid = repo.add_commit(tree, header["summary"])
        return _json({"commitUrl": f"{self.url}/datasets/{match['repo']}/commit/{oid}", "commitOid": oid})

    def _tag(self, auth: str | None, match: re.Match[str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        self._require_write(auth)
        repo = self._repo(match, auth)
        if self.fail_tags:
            raise Reply(500, {"error": f"tag service unavailable while handling {auth}"})
        tag = json.loads(body)["tag"]
        oid = repo.resolve(unquote(match["rev"]))
        if oid is None:
            raise Reply(404, {"error": "Revision not found"}, "RevisionNotFound")
        if tag in repo.tags:
            raise Reply(409, {"error": f"Tag {tag} already exists"})
        repo.tags[tag] = oid
        return _json({})

    def _resolve(self, auth: str | None, match: re.Match[str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        repo = self._repo(match, auth)
        oid = repo.resolve(unquote(match["rev"]))
        if oid is None:
            raise Reply(404, {"error": "Revision not found"}, "RevisionNotFound")
        content = repo.commits[oid].get(unquote(match["path"]))
        if content is None:
            raise Reply(404, {"error": "Entry not found"}, "EntryNotFound")
        headers = {"Content-Type": "application/octet-stream", "X-Repo-Commit": oid, "ETag": f'"{_blob_id(content)}"'}
        return 200, headers, content


_REPO = r"/(?P<repo>[^/]+/[^/]+)"
_ROUTES = [
    ("POST", r"/api/repos/create", HubStandIn._create),
    ("GET", rf"/api/datasets{_REPO}/refs", HubStandIn._refs),
    ("GET", rf"/api/datasets{_REPO}/tree/(?P<rev>[^/]+)(?:/.*)?", HubStandIn._tree),
    ("POST", r"/api/validate-yaml", HubStandIn._validate_yaml),
    ("POST", rf"/api/datasets{_REPO}/preupload/(?P<rev>[^/]+)", HubStandIn._preupload),
    ("POST", rf"/api/datasets{_REPO}/commit/(?P<rev>[^/]+)", HubStandIn._commit),
    ("POST", rf"/api/datasets{_REPO}/tag/(?P<rev>[^/]+)", HubStandIn._tag),
    ("GET", rf"/datasets{_REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)", HubStandIn._resolve),
    ("HEAD", rf"/datasets{_REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)", HubStandIn._resolve),
]


def _json(value: Any) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json"}, json.dumps(value).encode()


def _blob_id(content: bytes) -> str:
    """git's blob id, which the Hub uses as ETag for regular files."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def _handler_for(hub: HubStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, headers, payload = hub.route(
                self.command, urlsplit(self.path).path, self.headers.get("Authorization"), body
            )
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_HEAD = do_POST = _serve

        def log_message(self, *args: Any) -> None:
            """Silence the per-request stderr lines: the hub keeps its own log."""

    return Handler
