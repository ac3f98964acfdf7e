"""`python -m llmcost`."""

from .cli import main

main()
