"""MiniGrid-style grid worlds in JAX: MiniGrid's rules, with layouts and missions as parameters."""
