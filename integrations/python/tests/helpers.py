"""Shared test set-up: the servers come from LMM_GYM_URLS (started by test/serve/python.test.ts)."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "stubs"))
sys.path.insert(0, os.path.dirname(HERE))


def need_servers(case: unittest.TestCase) -> list[str]:
    urls = [u for u in os.environ.get("LMM_GYM_URLS", "").split(",") if u]
    if not urls:
        case.skipTest("LMM_GYM_URLS is not set: run through `npx vitest run test/serve/python.test.ts`, which starts the servers")
    return urls
