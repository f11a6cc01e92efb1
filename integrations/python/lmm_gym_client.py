"""Client for `lmm-gym serve` (stdlib only, Python 3.10+).

One client talks to one or more servers; sessions are sharded across them round-robin, so
many servers (on many machines) can serve one Ray job. A session handle is the string
"<server index>/<server session id>"; batch calls group items by server and run the
servers' requests in parallel threads.

    from lmm_gym_client import LmmGymClient
    client = LmmGymClient(["http://10.0.0.5:8000", "http://10.0.0.6:8000"], token="...")
    ids = client.create([{"env": "Sokoban-v0", "mode": "image", "interaction": "step", "seed": 3}])
    obs = client.reset(ids)[0]["observation"]      # {"prompt": "<image>\\n...", "images": [b64 png], "turn": 0}
    out = client.step([(ids[0], "<think>...</think><answer>Left</answer>")])[0]
    out["reward"], out["done"], out["observation"]["prompt"]
    client.close(ids)
"""

from __future__ import annotations

import base64
import json
import os
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterable, Sequence

__all__ = ["LmmGymClient", "LmmGymError", "urls_from_env", "decode_image"]


class LmmGymError(RuntimeError):
    """An error answered by the server (status and message), or a server that cannot be reached (status 0)."""

    def __init__(self, status: int, message: str, error_type: str = "", url: str = ""):
        super().__init__(f"{status} {error_type}: {message}" if error_type else f"{status}: {message}")
        self.status = status
        self.message = message
        self.error_type = error_type
        self.url = url


def urls_from_env(default: str = "http://127.0.0.1:8000") -> list[str]:
    """Server URLs from LMM_GYM_URLS (comma-separated), else `default`."""
    raw = os.environ.get("LMM_GYM_URLS", default)
    return [u.strip().rstrip("/") for u in raw.split(",") if u.strip()]


def decode_image(b64: str) -> bytes:
    """The PNG bytes of one observation image."""
    return base64.b64decode(b64)


class LmmGymClient:
    """A client for one or more lmm-gym servers (see the module docstring)."""

    def __init__(self, urls: str | Sequence[str] | None = None, token: str | None = None, timeout: float = 60.0):
        if urls is None:
            urls = urls_from_env()
        if isinstance(urls, str):
            urls = [urls]
        self.urls = [u.rstrip("/") for u in urls]
        if not self.urls:
            raise ValueError("LmmGymClient needs at least one server URL")
        self.token = token if token is not None else os.environ.get("LMM_GYM_TOKEN")
        self.timeout = timeout
        self._next = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=min(32, len(self.urls))) if len(self.urls) > 1 else None

    # ---- transport ----

    def _request(self, server: int, path: str, body: Any = None) -> Any:
        url = self.urls[server] + path
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as res:
                return json.loads(res.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            try:
                err = json.loads(e.read().decode("utf-8")).get("error", {})
            except Exception:  # not our JSON (a proxy's page)
                err = {}
            raise LmmGymError(e.code, err.get("message", str(e)), err.get("type", ""), url) from None
        except urllib.error.URLError as e:
            raise LmmGymError(0, f"cannot reach {url}: {e.reason}", "ConnectionError", url) from None

    def _map_servers(self, fn, groups: dict[int, list]) -> dict[int, Any]:
        if self._pool is None or len(groups) <= 1:
            return {s: fn(s, items) for s, items in groups.items()}
        futures = {s: self._pool.submit(fn, s, items) for s, items in groups.items()}
        return {s: f.result() for s, f in futures.items()}

    @staticmethod
    def _split(handle: str) -> tuple[int, str]:
        server, sep, sid = handle.partition("/")
        if not sep or not server.isdigit():
            raise ValueError(f"not a session handle: {handle!r} (expected '<server>/<id>')")
        return int(server), sid

    def _group(self, handles: Iterable[str], extra: Sequence[Any] | None = None) -> tuple[dict[int, list], list[tuple[int, int]]]:
        groups: dict[int, list] = {}
        where: list[tuple[int, int]] = []
        for i, h in enumerate(handles):
            server, sid = self._split(h)
            if server >= len(self.urls):
                raise ValueError(f"session {h!r} names server {server}; this client has {len(self.urls)}")
            bucket = groups.setdefault(server, [])
            where.append((server, len(bucket)))
            bucket.append((sid, None if extra is None else extra[i]))
        return groups, where

    # ---- API ----

    def health(self) -> list[dict]:
        """Each server's /health."""
        return [self._request(i, "/health") for i in range(len(self.urls))]

    def create(self, specs: Sequence[dict]) -> list[str]:
        """Create sessions ({env, options, mode, interaction, seed, task, level}); returns handles, sharded round-robin."""
        with self._lock:
            start = self._next
            self._next = (self._next + len(specs)) % len(self.urls)
        groups: dict[int, list] = {}
        where = []
        for i, spec in enumerate(specs):
            server = (start + i) % len(self.urls)
            bucket = groups.setdefault(server, [])
            where.append((server, len(bucket)))
            bucket.append(spec)
        done = self._map_servers(lambda s, items: self._request(s, "/sessions", {"sessions": items})["ids"], groups)
        return [f"{s}/{done[s][k]}" for s, k in where]

    def reset(self, handles: Sequence[str], seeds: Sequence[int | None] | None = None) -> list[dict]:
        """Reset sessions (optionally with seeds); returns [{id, observation, info}] in order."""
        groups, where = self._group(handles, seeds)

        def call(s, items):
            body = [{"id": sid, **({} if seed is None else {"seed": seed})} for sid, seed in items]
            return self._request(s, "/reset", {"items": body})["results"]

        done = self._map_servers(call, groups)
        return [dict(done[s][k], id=handles[i]) for i, (s, k) in enumerate(where)]

    def step(self, items: Sequence[tuple[str, str]]) -> list[dict]:
        """Step sessions with the agent's raw text: [(handle, text)]; returns [{observation, reward, done, info, ...}]."""
        handles = [h for h, _ in items]
        groups, where = self._group(handles, [t for _, t in items])
        done = self._map_servers(lambda s, its: self._request(s, "/step", {"items": [{"id": sid, "action": text} for sid, text in its]})["results"], groups)
        return [dict(done[s][k], id=handles[i]) for i, (s, k) in enumerate(where)]

    def system_prompt(self, handles: Sequence[str]) -> list[str]:
        groups, where = self._group(handles)
        done = self._map_servers(lambda s, its: self._request(s, "/system_prompt", {"ids": [sid for sid, _ in its]})["prompts"], groups)
        return [done[s][k] for s, k in where]

    def close(self, handles: Sequence[str]) -> int:
        """Close sessions; returns how many were open."""
        if not handles:
            return 0
        groups, _ = self._group(handles)
        done = self._map_servers(lambda s, its: self._request(s, "/close", {"ids": [sid for sid, _ in its]})["closed"], groups)
        return sum(done.values())

    def reward(self, query: Sequence[str], labels: Sequence[Any], prompts: Sequence[str] | None = None) -> dict:
        """OpenRLHF's remote reward call against the first server."""
        body = {"query": list(query), "labels": list(labels)}
        if prompts is not None:
            body["prompts"] = list(prompts)
        return self._request(0, "/reward", body)

    def shutdown(self) -> None:
        """Stop the client's thread pool (sessions stay open on the servers)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
