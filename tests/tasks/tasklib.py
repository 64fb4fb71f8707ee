"""Shared constants of the task tests (a module of its own: every test folder has a ``conftest``)."""

MIXED = ["minigrid/DoorKey-8x8", "minigrid/FourRooms", "minigrid/Empty-5x5", "minigrid/LavaGapS6"]
