import asyncio
import json
import unittest

from helpers import need_servers

import lmm_gym_verl
from verl.interactions.base import BaseInteraction


class VerlInteractionTest(unittest.TestCase):
    def setUp(self):
        self.urls = need_servers(self)

    def test_interaction_runs_an_episode(self):
        inter = lmm_gym_verl.LmmGymInteraction({"name": "lmm_gym", "urls": self.urls})
        self.assertIsInstance(inter, BaseInteraction)

        async def episode():
            # interaction_kwargs as `lmm-gym export --format verl` writes them (name included).
            iid = await inter.start_interaction(None, name="lmm_gym", env="Sokoban-v0", mode="text", interaction="step", seed=2, task={"maxTurns": 2})
            msgs = [{"role": "user", "content": "start"}, {"role": "assistant", "content": "<think>a</think><answer>up</answer>"}]
            first = await inter.generate_response(iid, msgs)
            msgs += [{"role": "user", "content": first[1]}, {"role": "assistant", "content": [{"type": "text", "text": "<think>b</think><answer>down</answer>"}]}]
            second = await inter.generate_response(iid, msgs)
            score = await inter.calculate_score(iid)
            await inter.finalize_interaction(iid)
            return first, second, score

        first, second, score = asyncio.run(episode())
        self.assertFalse(first[0])
        self.assertIn("Your last 1 action: up", first[1])
        self.assertTrue(first[3]["info"]["valid"])
        self.assertTrue(second[0])  # maxTurns 2
        self.assertIn("episode is over", second[1])
        self.assertAlmostEqual(score, first[2] + second[2])
        self.assertAlmostEqual(score, 0.5)  # both turns in format, not solved

    def test_compute_score_uses_the_reward_endpoint(self):
        lmm_gym_verl._score_client = None
        gt = json.dumps({"env": "Countdown-v0", "seed": 1})
        self.assertEqual(lmm_gym_verl.compute_score("lmm_gym/Countdown-v0", "<think>t</think><answer>1+1</answer>", gt), 0.5)
        self.assertEqual(lmm_gym_verl.compute_score("lmm_gym/Countdown-v0", "nothing", json.loads(gt)), 0.0)


if __name__ == "__main__":
    unittest.main()
