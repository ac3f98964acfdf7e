"""llmcost: offline token cost calculator for Chinese LLM APIs and GPT-4o."""

__version__ = "0.1.0"
