"""Stand-in for openrlhf/utils/agent.py (OpenRLHF main, 2025); see ../../README.md."""
from abc import ABC, abstractmethod


class AgentExecutorBase(ABC):
    @abstractmethod
    async def execute(self, prompt, label, sampling_params, max_length: int, hf_tokenizer, llm_engine, images=None):
        raise NotImplementedError


class AgentInstanceBase(ABC):
    @abstractmethod
    def __init__(self, *args, **kwargs):
        pass

    async def reset(self, states: dict, **kwargs):
        return states

    @abstractmethod
    async def step(self, state_dict: dict, **kwargs):
        raise NotImplementedError


class MultiTurnAgentExecutor(AgentExecutorBase):
    def __init__(self, agent_instance_cls):
        assert issubclass(agent_instance_cls, AgentInstanceBase), "AgentInstance must inherit from AgentInstanceBase"
        self.agent_instance_cls = agent_instance_cls

    async def execute(self, prompt, label, sampling_params, max_length: int, hf_tokenizer, llm_engine, images=None):
        agent = self.agent_instance_cls()
        observation_text = (await agent.reset({"observation": prompt, "label": label}))["observation"]
        total_reward, final_scores, extra_logs, turns, all_images = 0, 0, {}, 0, []
        while len(observation_text) < max_length:
            action_text = llm_engine(observation_text)  # stand-in for vLLM generation
            states = {"observation_text": observation_text, "action_text": action_text, "label": label, "sampling_params": sampling_params}
            step_result = await agent.step(states)
            total_reward += step_result["rewards"].item()
            final_scores = step_result.get("scores", total_reward)
            extra_logs = step_result.get("extra_logs", {})
            all_images.extend(step_result.get("environment_images", []) or [])
            observation_text = observation_text + action_text + step_result["environment_feedback"]
            turns += 1
            if step_result.get("sampling_params", None):
                sampling_params = step_result["sampling_params"]
            if step_result["done"]:
                break
        return {"prompt": prompt, "label": label, "reward": total_reward, "scores": final_scores, "extra_logs": extra_logs,
                "observation_text": observation_text, "turns": turns, "environment_images": all_images}
