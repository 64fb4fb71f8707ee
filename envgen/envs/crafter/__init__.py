"""Crafter-style open world in JAX: every world-generation and gameplay knob is a traced param."""

from envgen.envs.crafter.constants import ACHIEVEMENTS, ACTIONS, INVENTORY_ITEMS, MATERIALS

__all__ = ["ACHIEVEMENTS", "ACTIONS", "INVENTORY_ITEMS", "MATERIALS"]
