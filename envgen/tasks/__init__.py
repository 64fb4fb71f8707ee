"""Tasks as data: the pytree that teachers sample, buffers store, checkpoints save and envs run.

``Task`` (params + level + reward) lives in :mod:`envgen.tasks.task`; the parameter space teachers
search inside ``jit`` in :mod:`envgen.tasks.space`; batched level generation and refresh between
training chunks in :mod:`envgen.tasks.levels`.
"""

from envgen.tasks.task import Task, index_tasks, num_tasks, stack_tasks

__all__ = ["Task", "index_tasks", "num_tasks", "stack_tasks"]
