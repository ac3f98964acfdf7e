"""llmcost: offline token cost calculator for Chinese LLM APIs and GPT-4o.

``from llmcost import cost_of`` prices one API response (see ``llmcost.usage.cost``); it is
imported on first use, so ``import llmcost`` (and the CLI's start) stays light.
"""

import typing

__version__ = "0.1.0"
__all__ = ["Cost", "__version__", "cost_of"]

if typing.TYPE_CHECKING:
    from .usage.cost import Cost, cost_of


def __getattr__(name: str) -> typing.Any:
    if name in ("cost_of", "Cost"):
        from .usage import cost

        return getattr(cost, name)
    raise AttributeError(f"module 'llmcost' has no attribute {name!r}")
