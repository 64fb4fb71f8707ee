"""JAX simulators. Each family lives in its own subpackage; `base` holds the shared contract."""
