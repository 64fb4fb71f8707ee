"""Checkpoints restore every leaf exactly, typed PRNG keys included (a peer env's state may hold them), and
the JSON saved beside them."""

import jax
import numpy as np

from envgen.train.checkpoint import Checkpointer


def test_typed_keys_and_arrays_round_trip(tmp_path):
    state = {"keys": jax.random.split(jax.random.key(3), 2), "x": np.arange(3, dtype=np.int32),
             "raw": jax.random.key_data(jax.random.key(5)), "empty": np.zeros((4, 0), np.float32)}
    ckpt = Checkpointer(tmp_path / "c")
    ckpt.save(4, state, meta={"previous": [{"name": "a"}]})
    template = {"keys": jax.random.split(jax.random.key(0), 2), "x": np.zeros(3, np.int32),
                "raw": np.zeros(2, np.uint32), "empty": np.zeros((4, 0), np.float32)}
    back = ckpt.restore(ckpt.latest(), template)
    assert ckpt.meta(4) == {"previous": [{"name": "a"}]}
    ckpt.close()
    assert jax.dtypes.issubdtype(back["keys"].dtype, jax.dtypes.prng_key)
    np.testing.assert_array_equal(jax.random.key_data(back["keys"]), jax.random.key_data(state["keys"]))
    np.testing.assert_array_equal(back["x"], state["x"])
    np.testing.assert_array_equal(back["raw"], state["raw"])
    assert back["empty"].shape == (4, 0)  # orbax cannot store zero-size arrays; they come from the template
