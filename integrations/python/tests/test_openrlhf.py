import asyncio
import json
import unittest

from helpers import need_servers

import lmm_gym_openrlhf as agent_func
from openrlhf.utils.agent import AgentExecutorBase


class FakeSamplingParams:
    max_tokens = 64
    logprobs = None


class OpenRLHFAgentTest(unittest.TestCase):
    def setUp(self):
        need_servers(self)
        agent_func._client = None  # pick up this test's LMM_GYM_URLS

    def open_sessions(self):
        return sum(h["sessions"] for h in agent_func.client().health())

    def test_multi_turn_episode_through_the_executor(self):
        self.assertTrue(issubclass(agent_func.AgentExecutor, AgentExecutorBase))
        executor = agent_func.AgentExecutor()
        label = json.dumps({"env": "Sokoban-v0", "mode": "image", "interaction": "step", "seed": 4, "task": {"maxTurns": 3}})
        prompt = "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>\nTurn 1.<|im_end|>\n<|im_start|>assistant\n"
        answers = iter(["<think>a</think><answer>up</answer><|im_end|>", "I jump. <answer>jump</answer><|im_end|>", "<think>c</think><answer>left</answer><|im_end|>"])
        before = self.open_sessions()
        out = asyncio.run(executor.execute(prompt, label, FakeSamplingParams(), 100_000, None, lambda _obs: next(answers)))
        self.assertEqual(out["turns"], 3)  # maxTurns ends the episode
        text = out["observation_text"]
        self.assertEqual(text.count("<|im_start|>user"), 3)  # the prompt's and two feedback turns
        self.assertIn("Your last 1 action: up", text)
        self.assertEqual(text.count("<|vision_start|><|image_pad|><|vision_end|>"), 3)
        self.assertNotIn("<image>", text)
        self.assertEqual(len(out["environment_images"]), 2)  # feedback images (none after the last turn)
        # Format credited on the final turn: 2 of 3 answers parsed in the strict format.
        self.assertAlmostEqual(out["reward"], 0.5 * 2 / 3, places=6)
        self.assertEqual(self.open_sessions(), before)  # closed when done

    def test_plan_mode_single_turn(self):
        executor = agent_func.AgentExecutor()
        label = {"env": "Sokoban-v0", "interaction": "plan", "seed": 9}
        out = asyncio.run(executor.execute("p", json.dumps(label), FakeSamplingParams(), 100_000, None, lambda _o: "<think>x</think><answer>up, left</answer>"))
        self.assertEqual(out["turns"], 1)
        self.assertIn(out["reward"], (0.5, 1.5))

    def test_feedback_wraps_the_next_user_turn(self):
        fb = agent_func.feedback_text("<answer>up</answer>", "<image>\nTurn 2.", "qwen")
        self.assertEqual(fb, "<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>\nTurn 2.<|im_end|>\n<|im_start|>assistant\n")
        self.assertTrue(agent_func.feedback_text("<answer>up</answer><|im_end|>", "x", "qwen").startswith("\n<|im_start|>user\n"))
        self.assertEqual(agent_func.strip_end_markers("<answer>a</answer><|im_end|>\n"), "<answer>a</answer>")


if __name__ == "__main__":
    unittest.main()
