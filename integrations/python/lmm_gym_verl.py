"""verl adapters for `lmm-gym serve`.

- `LmmGymInteraction`: a multi-turn interaction following verl's `BaseInteraction`
  (`verl/interactions/base.py`, verl 0.4.1+: `start_interaction(instance_id, **kwargs)`,
  `generate_response(instance_id, messages, **kwargs) -> (terminate, text, score, extra)`,
  `calculate_score`, `finalize_interaction`). Configure it in the interaction config file
  (`actor_rollout_ref.rollout.multi_turn.interaction_config_path`); each dataset row's
  `extra_info.interaction_kwargs` (written by `lmm-gym export --format verl`) is the session spec.
- `compute_score`: verl's custom reward function (`custom_reward_function.path` / `.name`):
  the rule-based reward from the server's POST /reward for one response.

Servers: `urls` / `token` in the interaction config, else LMM_GYM_URLS / LMM_GYM_TOKEN.
verl's interaction channel carries text only: in image modes the `<image>` placeholder is
removed from the text and the base64 PNGs are returned in `extra["images"]`; prefer
`mode: text` or `image+caption` for multi-turn runs with verl's interactions.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any, Optional
from uuid import uuid4

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lmm_gym_client import LmmGymClient, urls_from_env  # noqa: E402

try:
    from verl.interactions.base import BaseInteraction
except ImportError:  # compute_score alone needs no verl
    class BaseInteraction:  # type: ignore[no-redef]
        def __init__(self, config: dict[str, Any]):
            self.config = config
            self.name: str = config.get("name", "interaction_agent")

SPEC_KEYS = ("env", "options", "mode", "interaction", "seed", "task", "level", "reset_options")


class LmmGymInteraction(BaseInteraction):
    def __init__(self, config: dict):
        super().__init__(config)
        urls = config.get("urls") or urls_from_env()
        self._client = LmmGymClient(urls, token=config.get("token"))
        self._instances: dict[str, dict[str, Any]] = {}

    async def start_interaction(self, instance_id: Optional[str] = None, **kwargs) -> str:
        if instance_id is None:
            instance_id = str(uuid4())
        spec = {k: kwargs[k] for k in SPEC_KEYS if k in kwargs}
        handles = await asyncio.to_thread(self._client.create, [spec])
        reset = (await asyncio.to_thread(self._client.reset, handles))[0]
        self._instances[instance_id] = {"handle": handles[0], "reward": 0.0, "done": False, "first": reset["observation"]}
        return instance_id

    @staticmethod
    def _last_assistant_text(messages: list[dict[str, Any]]) -> str:
        for m in reversed(messages):
            if m.get("role") == "assistant":
                content = m.get("content", "")
                if isinstance(content, list):  # [{type: text, text}, ...]
                    return "".join(p.get("text", "") for p in content if isinstance(p, dict))
                return str(content)
        return ""

    async def generate_response(self, instance_id: str, messages: list[dict[str, Any]], **kwargs) -> tuple[bool, str, float, dict[str, Any]]:
        inst = self._instances[instance_id]
        if inst["done"]:
            return True, "The episode is over.", 0.0, {}
        r = (await asyncio.to_thread(self._client.step, [(inst["handle"], self._last_assistant_text(messages))]))[0]
        inst["reward"] += float(r["reward"])
        inst["done"] = bool(r["done"])
        obs = r["observation"]
        text = obs["prompt"].replace("<image>\n", "").replace("<image>", "")
        extra = {"info": r["info"]}
        if obs["images"]:
            extra["images"] = obs["images"]
        if inst["done"]:
            text = "The episode is over: " + ("solved." if r["info"].get("success") else "not solved.")
        return inst["done"], text, float(r["reward"]), extra

    async def calculate_score(self, instance_id: str, **kwargs) -> float:
        return self._instances[instance_id]["reward"]

    async def finalize_interaction(self, instance_id: str, **kwargs) -> None:
        inst = self._instances.pop(instance_id, None)
        if inst is not None:
            await asyncio.to_thread(self._client.close, [inst["handle"]])


_score_client: LmmGymClient | None = None


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs) -> float:
    """verl custom reward: the rule-based reward of one response (accuracy + 0.5 x format)."""
    global _score_client
    if _score_client is None:
        _score_client = LmmGymClient()
    label = ground_truth if isinstance(ground_truth, str) else json.dumps(ground_truth)
    return float(_score_client.reward([solution_str], [label])["rewards"][0])
