"""OpenRLHF multi-turn agent over `lmm-gym serve`: pass this file to `--agent_func_path`.

Follows OpenRLHF's agent API in `openrlhf/utils/agent.py` (the `AgentInstanceBase` /
`MultiTurnAgentExecutor(agent_instance_cls)` form of OpenRLHF's main branch, 2025):
`AgentInstance.reset({observation, label}) -> {observation}` and
`AgentInstance.step({observation_text, action_text, label, sampling_params}) ->
{rewards, scores, environment_feedback, done, sampling_params, extra_logs, environment_images}`.

The dataset's label (`lmm-gym export`'s `answer` column) is the session spec; the dataset's
prompt already shows the first state of that seed, so reset only opens the session.
Configuration (environment variables, since OpenRLHF instantiates the classes itself):
  LMM_GYM_URLS            comma-separated server URLs (default http://127.0.0.1:8000)
  LMM_GYM_TOKEN           bearer token, when the servers use --token
  LMM_GYM_CHAT_TEMPLATE   qwen (default) | llama3 | plain: how the next user turn is wrapped
  LMM_GYM_IMAGE_TOKEN     text that replaces each <image> placeholder in the feedback
                          (default for qwen: <|vision_start|><|image_pad|><|vision_end|>)
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lmm_gym_client import LmmGymClient  # noqa: E402

from openrlhf.utils.agent import AgentInstanceBase  # noqa: E402

try:
    import torch
except ImportError:  # the stand-in tests run without torch
    torch = None

# (end of a turn, start of a user turn, start of an assistant turn, image token)
CHAT_TEMPLATES = {
    "qwen": ("<|im_end|>", "\n<|im_start|>user\n", "\n<|im_start|>assistant\n", "<|vision_start|><|image_pad|><|vision_end|>"),
    "llama3": ("<|eot_id|>", "<|start_header_id|>user<|end_header_id|>\n\n", "<|start_header_id|>assistant<|end_header_id|>\n\n", "<image>"),
    "plain": ("", "\n\nUser: ", "\n\nAssistant: ", "<image>"),
}
END_MARKERS = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>", "</s>")

_client: LmmGymClient | None = None


def client() -> LmmGymClient:
    global _client
    if _client is None:
        _client = LmmGymClient()
    return _client


def strip_end_markers(text: str) -> str:
    """The answer as the model wrote it: trailing end-of-turn markers and whitespace removed."""
    changed = True
    while changed:
        changed = False
        text = text.rstrip()
        for m in END_MARKERS:
            if text.endswith(m):
                text, changed = text[: -len(m)], True
    return text.strip()


def parse_label(label) -> dict:
    return json.loads(label) if isinstance(label, str) else dict(label)


def _scalar(value: float):
    """OpenRLHF calls `.item()` on rewards: a tensor when torch is there."""
    if torch is not None:
        return torch.tensor(float(value))

    class _Item(float):
        def item(self) -> float:
            return float(self)

    return _Item(value)


def feedback_text(action_text: str, prompt: str, template: str | None = None) -> str:
    """The next user turn, wrapped in the chat template, ending where the assistant starts."""
    name = template or os.environ.get("LMM_GYM_CHAT_TEMPLATE", "qwen")
    end, user, assistant, image_token = CHAT_TEMPLATES[name]
    image_token = os.environ.get("LMM_GYM_IMAGE_TOKEN", image_token)
    closed = not end or action_text.rstrip().endswith(end)
    return ("" if closed else end) + user + prompt.replace("<image>", image_token) + end + assistant


class AgentInstance(AgentInstanceBase):
    """One episode on one lmm-gym session."""

    def __init__(self, *args, **kwargs):
        self.handle: str | None = None
        self.total = 0.0

    async def reset(self, states: dict, **kwargs):
        spec = parse_label(states["label"])
        c = client()
        handles = await asyncio.to_thread(c.create, [spec])
        self.handle = handles[0]
        await asyncio.to_thread(c.reset, handles)
        return {"observation": states["observation"]}

    async def step(self, states: dict, **kwargs):
        action_text = states["action_text"]
        result = (await asyncio.to_thread(client().step, [(self.handle, strip_end_markers(action_text))]))[0]
        reward = float(result["reward"])
        self.total += reward
        done = bool(result["done"])
        info = result["info"]
        obs = result["observation"]
        if done:
            await asyncio.to_thread(client().close, [self.handle])
            feedback = ""
        else:
            feedback = feedback_text(action_text, obs["prompt"])
        out = {
            "rewards": _scalar(reward),
            "scores": _scalar(1.0 if (done and info.get("success")) else 0.0),
            "environment_feedback": feedback,
            "done": done,
            "sampling_params": states.get("sampling_params"),
            "extra_logs": {
                "valid": _scalar(1.0 if info.get("valid") else 0.0),
                "format_ok": _scalar(1.0 if info.get("format_ok") else 0.0),
                "env_reward": _scalar(info.get("env_reward", 0.0)),
            },
        }
        if not done and obs["images"]:
            out["environment_images"] = list(obs["images"])  # base64 PNG, one per <image>
        return out


try:
    from openrlhf.utils.agent import MultiTurnAgentExecutor

    class AgentExecutor(MultiTurnAgentExecutor):
        def __init__(self, *args, **kwargs):
            super().__init__(AgentInstance)

except ImportError:  # older OpenRLHF (0.8.x): AgentExecutorBase(agent_instance_cls, max_steps, max_length, llm_engine, hf_tokenizer, result_queue)
    from openrlhf.utils.agent import AgentExecutorBase

    class AgentExecutor(AgentExecutorBase):  # type: ignore[no-redef]
        def __init__(self, max_steps, max_length, llm_engine, hf_tokenizer, result_queue):
            super().__init__(AgentInstance, max_steps, max_length, llm_engine, hf_tokenizer, result_queue)

        async def execute(self, prompt, label, sampling_params):
            return await super().execute(prompt, label, sampling_params)
