"""Synthetic plans at national scale, for benchmarks and stress tests: never real plans.

One plan for each of the registry's 1,788 local governments (real codes and names, made-up
plans marked 【合成】); the generator is :mod:`.corpus`, the command line ``python -m
publisher.synth``.
"""

from .corpus import MARK, Municipality, generate, municipalities, plan_source, selection, write

__all__ = ["MARK", "Municipality", "generate", "municipalities", "plan_source", "selection", "write"]
