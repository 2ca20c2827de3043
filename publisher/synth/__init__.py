"""Synthetic plans at national scale, for benchmarks and stress tests: never real data.

The generator is :mod:`.corpus`, the command line ``python -m publisher.synth``.
"""

from .corpus import MARK, Municipality, generate, municipalities, plan_source, selection

__all__ = ["MARK", "Municipality", "generate", "municipalities", "plan_source", "selection"]
