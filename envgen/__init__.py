"""envgen: LLM-generated, JAX-vectorized training environments and adaptive curricula.

Heavy imports (jax) are deferred so that `import envgen` and the CLI stay fast.
"""

from envgen._version import __version__

__all__ = ["__version__", "make", "registered_envs"]


def make(name: str, **env_kwargs):
    """Create an environment and its default params, gymnax-style: ``env, params = envgen.make("crafter")``.

    ``name`` is a registered family ("crafter", "minigrid"), a preset ("minigrid/DoorKey-8x8") or the
    path of a config YAML file.
    """
    from envgen.envs.registry import make as _make

    return _make(name, **env_kwargs)


def registered_envs() -> list[str]:
    """Names accepted by :func:`make` (families and presets)."""
    from envgen.envs.registry import registered_envs as _registered

    return _registered()


def __getattr__(name: str):
    # `envgen.load` arrives with the generator; resolved lazily so it never costs an import.
    if name == "load":
        from envgen.generate.load import load

        return load
    raise AttributeError(f"module 'envgen' has no attribute {name!r}")
