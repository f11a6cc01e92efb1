import base64
import os
import unittest

from helpers import need_servers

from lmm_gym_client import LmmGymClient, LmmGymError

GOOD = "<think>t</think><answer>{}</answer>"


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.urls = need_servers(self)
        self.client = LmmGymClient(self.urls)

    def tearDown(self):
        self.client.shutdown()

    def test_health_of_every_server(self):
        health = self.client.health()
        self.assertEqual(len(health), len(self.urls))
        self.assertTrue(all(h["status"] == "ok" for h in health))

    def test_sessions_are_sharded_across_servers(self):
        specs = [{"env": "Sokoban-v0", "mode": "image", "seed": i} for i in range(4)]
        handles = self.client.create(specs)
        try:
            self.assertEqual(len({h.split("/")[0] for h in handles}), min(4, len(self.urls)))
            counts = [h["sessions"] for h in self.client.health()]
            self.assertTrue(all(c >= 1 for c in counts), counts)
            results = self.client.reset(handles)
            self.assertEqual([r["id"] for r in results], handles)
            for r in results:
                obs = r["observation"]
                self.assertEqual(obs["prompt"].count("<image>"), len(obs["images"]))
                self.assertEqual(base64.b64decode(obs["images"][0])[:8], b"\x89PNG\r\n\x1a\n")
            # Same seed on two servers: same picture.
            again = self.client.create([{"env": "Sokoban-v0", "mode": "image", "seed": 0}])
            self.assertEqual(self.client.reset(again)[0]["observation"]["images"], results[0]["observation"]["images"])
            self.client.close(again)
            steps = self.client.step([(h, GOOD.format(a)) for h, a in zip(handles, ["up", "down", "left", "right"])])
            self.assertEqual([s["id"] for s in steps], handles)
            for s in steps:
                self.assertIsInstance(s["reward"], (int, float))
                self.assertIs(s["info"]["valid"], True)
                self.assertIn("Your last 1 action", s["observation"]["prompt"])
        finally:
            self.assertEqual(self.client.close(handles), 4)

    def test_errors_carry_status_and_message(self):
        with self.assertRaises(LmmGymError) as e:
            self.client.step([("0/no-such-session", "x")])
        self.assertEqual(e.exception.status, 404)
        with self.assertRaises(LmmGymError) as e:
            self.client.create([{"env": "Nope-v0"}])
        self.assertEqual(e.exception.status, 400)
        self.assertIn("unknown env id", e.exception.message)
        h = self.client.create([{"env": "Countdown-v0", "seed": 1}])
        self.client.reset(h)
        self.assertTrue(self.client.step([(h[0], GOOD.format("1"))])[0]["done"])
        with self.assertRaises(LmmGymError) as e:
            self.client.step([(h[0], GOOD.format("1"))])
        self.assertEqual(e.exception.status, 409)
        self.client.close(h)
        if os.environ.get("LMM_GYM_TOKEN"):
            wrong = LmmGymClient(self.urls, token="wrong-token-xyz")
            with self.assertRaises(LmmGymError) as e:
                wrong.health()
            self.assertEqual(e.exception.status, 401)
        down = LmmGymClient(["http://127.0.0.1:9"], timeout=5)
        with self.assertRaises(LmmGymError) as e:
            down.health()
        self.assertEqual(e.exception.status, 0)

    def test_reward_endpoint_is_deterministic(self):
        label = '{"env": "Arithmetic-v0", "seed": 3}'
        query = ["<think>t</think><answer>-999999</answer>", "no answer", "<|im_start|>assistant\n<think>t</think><answer>-1</answer><|im_end|>"]
        a = self.client.reward(query, [label] * 3)
        b = self.client.reward(query, [label] * 3)
        self.assertEqual(a, b)
        self.assertEqual(a["rewards"][:2], [0.5, 0])
        self.assertEqual(set(a), {"rewards", "scores", "extra_logs"})


if __name__ == "__main__":
    unittest.main()
