"""The parameter space a teacher searches inside ``jit``: vectors in the unit cube <-> EnvParams.

Dimensions are derived from the family's pydantic spec, the single source of bounds and choices:
every bounded number, bool, ``Literal`` and enum field of the config becomes a continuous, integer or
categorical dimension. How a field's value lands in EnvParams is *measured* by compiling probe configs
with ``Spec.compile`` (the one place that knows the word -> number tables such as biomes, rarities and
missions), and stored as arrays: a categorical or small-integer dimension is a table of the leaf
elements it writes, a wide numeric one an affine map. So ``to_params`` is a handful of array writes
under ``jit``, and for any vector the config ``to_spec`` returns compiles to the same params.

A vector ``u`` has one coordinate in [0, 1] per dimension: a float field is ``low + u * (high - low)``,
an integer or categorical field takes the ``floor(u * K)``-th of its K allowed values.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np
from pydantic import BaseModel

from envgen.spec import Spec, SpecError, spec_class

TABLE_MAX_VALUES = 64  # integer fields with at most this many values are tabulated value by value
# Integer and categorical coordinates are quantised to 2^14 steps and mapped with integer arithmetic,
# so the host (to_spec) and jit (to_params) agree exactly, with no float32 rounding at cell borders.
QUANT_BITS = 14
QUANT = 1 << QUANT_BITS
SKIP_FIELDS = frozenset({"name", "purpose", "reward"})


@dataclass(frozen=True)
class Dim:
    """One searchable config field: where it lives in the spec and how it writes EnvParams."""

    path: str  # dotted spec path, e.g. "mobs.zombie_density"
    kind: Literal["float", "int", "choice"]  # float/int: affine in the value; choice: tabulated
    values: tuple  # (low, high) for float/int; every allowed value for choice
    leaves: tuple[tuple[str, int], ...]  # (EnvParams field, flat element index) written
    table: np.ndarray  # choice: [K, n_leaves] element values per value; float/int: [2, n] at low/high

    @property
    def size(self) -> int:
        """Number of allowed values of a choice (2 for float/int: the two ends)."""
        return len(self.values)

    def value(self, u: float) -> Any:
        """The config value a coordinate stands for (host side; the same integer arithmetic as jit)."""
        u32 = np.float32(np.clip(np.float32(u), 0.0, 1.0))
        if self.kind == "float":
            lo, hi = self.values
            return float(lo + float(u32) * (hi - lo))
        q = int(np.floor(u32 * np.float32(QUANT)))
        if self.kind == "choice":
            return self.values[min(q * self.size >> QUANT_BITS, self.size - 1)]
        lo, hi = self.values
        return int(lo + ((q * (hi - lo) + QUANT // 2) >> QUANT_BITS))

    def coordinate(self, value: Any) -> float:
        """The coordinate of a config value (the centre of its cell for a choice)."""
        if self.kind != "choice":
            lo, hi = self.values
            return 0.0 if hi == lo else float(np.clip((value - lo) / (hi - lo), 0.0, 1.0))
        if value not in self.values:
            raise ValueError(f"{self.path}: {value!r} is not one of {list(self.values)}")
        return (self.values.index(value) + 0.5) / self.size


class SpaceError(ValueError):
    """A parameter space could not be built as asked (names the field at fault)."""


def _annotation_kind(annotation: Any) -> tuple[str, tuple] | None:
    """("choice", values) / ("int", ()) / ("float", ()) / ("model", cls) for a field annotation."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _annotation_kind(args[0]) if len(args) == 1 else None
    if origin is Literal:
        return "choice", tuple(typing.get_args(annotation))
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return "choice", tuple(m.value for m in annotation)
        if issubclass(annotation, BaseModel):
            return "model", annotation
        if annotation is bool:
            return "choice", (False, True)
        if annotation is int:
            return "int", ()
        if annotation is float:
            return "float", ()
    return None


def _bounds(info: Any) -> tuple[float | None, float | None]:
    lo = hi = None
    for meta in info.metadata:
        lo = getattr(meta, "ge", None) if getattr(meta, "ge", None) is not None else lo
        hi = getattr(meta, "le", None) if getattr(meta, "le", None) is not None else hi
    return lo, hi


def spec_fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, tuple]]:
    """Every searchable field of a spec model as (path, kind, values-or-bounds)."""
    out = []
    for name, info in model.model_fields.items():
        if name in SKIP_FIELDS:
            continue
        kind = _annotation_kind(info.annotation)
        path = f"{prefix}{name}"
        if kind is None:
            continue
        if kind[0] == "model":
            out.extend(spec_fields(kind[1], path + "."))
        elif kind[0] == "choice":
            out.append((path, "choice", kind[1]))
        else:
            lo, hi = _bounds(info)
            if lo is not None and hi is not None:
                out.append((path, kind[0], (lo, hi)))
    return out


def _set_path(data: dict, path: str, value: Any) -> dict:
    data = copy.deepcopy(data)
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return data


def _get_path(data: dict, path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        node = node[part]
    return node


def _flat_leaves(params: Any) -> dict[str, np.ndarray]:
    return {f.name: np.asarray(getattr(params, f.name)).reshape(-1) for f in dataclasses.fields(params)
            if f.metadata.get("pytree_node", True)}


class ParamSpace:
    """Vectors in [0, 1]^d <-> a family's EnvParams around a base config (see module docstring).

    ``base`` is the config the space varies (default: the family's defaults); ``dims`` selects
    fields by dotted path (default: every searchable field whose default is set, i.e. not the
    ``None``-means-inherit overrides). ``restrict`` narrows fields to sub-ranges or value subsets.
    """

    def __init__(self, family: str, base: Spec | dict | None = None, dims: list[str] | None = None,
                 restrict: dict[str, Any] | None = None):
        self.family = family
        cls = spec_class(family)
        if base is None:
            base = cls()
        elif isinstance(base, dict):
            base = cls.from_dict(base)
        self.base_spec = base
        self._base_dict = base.model_dump(mode="json")
        self.base_params = base.compile()
        fields = {path: (kind, vals) for path, kind, vals in spec_fields(cls)}
        self._explicit = dims is not None
        if dims is None:
            dims = [p for p in fields if _get_path(self._base_dict, p) is not None]
        unknown = [d for d in dims if d not in fields]
        if unknown:
            raise SpaceError(f"{family} space: unknown or unsearchable field(s) {unknown}; searchable: "
                             f"{', '.join(fields)}")
        restrict = dict(restrict or {})
        bad = [r for r in restrict if r not in dims]
        if bad:
            raise SpaceError(f"{family} space: restrict names field(s) not in the space: {bad}")
        built = [self._measure(path, *fields[path], restrict.get(path)) for path in dims]
        skipped: dict[str, str] = {}
        kept: list[Dim] = []
        for path, dim in zip(dims, built, strict=True):
            if dim is None:
                skipped[path] = "fewer than two of its values are valid for the base config"
            elif not dim.leaves:
                skipped[path] = "no effect on the params of the base config"
            else:
                kept.append(dim)
        # Two fields writing one param element interact (a layout kind fixes the grid size, say): the
        # per-field tables would disagree with ``compile`` on combinations, so keep the narrower field.
        for dim in sorted(kept, key=lambda d: len(d.leaves), reverse=True):
            others = {leaf for d in kept if d is not dim for leaf in d.leaves}
            if set(dim.leaves) & others:
                shared = sorted({k for k, _ in set(dim.leaves) & others})
                if self._explicit:
                    raise SpaceError(f"{family} space: {dim.path} and another listed field both set "
                                     f"{', '.join(shared)}; list only one of them")
                skipped[dim.path] = f"shares {', '.join(shared)} with a narrower field"
                kept.remove(dim)
        self.dims: tuple[Dim, ...] = tuple(kept)
        self.skipped: dict[str, str] = skipped

    # -- measuring how each field writes EnvParams ------------------------------------------------------
    def _compile(self, data: dict) -> dict[str, np.ndarray] | None:
        try:
            return _flat_leaves(spec_class(self.family).from_dict(data).compile())
        except (SpecError, ValueError):
            return None

    def _measure(self, path: str, kind: str, vals: tuple, restrict: Any) -> Dim | None:
        if kind == "float":
            lo, hi = (float(v) for v in (restrict if restrict is not None else vals))
            if not vals[0] <= lo <= hi <= vals[1]:
                raise SpaceError(f"{path}: restricted range {restrict} outside allowed [{vals[0]}, {vals[1]}]")
            probes = [lo, hi, (lo + hi) / 2]
        elif kind == "int":
            lo, hi = (int(v) for v in (restrict if restrict is not None else vals))
            if not vals[0] <= lo <= hi <= vals[1]:
                raise SpaceError(f"{path}: restricted range {restrict} outside allowed [{vals[0]}, {vals[1]}]")
            if hi - lo + 1 <= TABLE_MAX_VALUES:
                kind, probes = "choice", list(range(lo, hi + 1))
            else:
                probes = [lo, hi, lo + (hi - lo) // 2]
        else:
            probes = list(vals)
            if restrict is not None:
                extra = [r for r in restrict if r not in vals]
                if extra:
                    raise SpaceError(f"{path}: {extra} not among the allowed values {list(vals)}")
                probes = [v for v in vals if v in restrict]
        results = [(v, self._compile(_set_path(self._base_dict, path, v))) for v in probes]
        if kind in ("float", "int"):
            if any(r is None for _, r in results):
                return None  # an end of the range is invalid for this base config
            ends = [results[0][1], results[1][1]]
            changed = sorted({(k, i) for k in ends[0] for i in np.flatnonzero(ends[0][k] != ends[1][k])})
            table = np.array([[e[k][i] for k, i in changed] for e in ends], np.float64)
            mid_v, mid = results[2]
            t = 0.0 if hi == lo else (mid_v - lo) / (hi - lo)
            expect = table[0] + t * (table[1] - table[0])
            got = np.array([mid[k][i] for k, i in changed], np.float64)
            if not np.allclose(got, expect, rtol=1e-5, atol=1e-5):
                raise SpaceError(f"{path}: compiles to a non-affine change of {changed}; restrict it or "
                                 "list it as a categorical field")
            return Dim(path, kind, (lo, hi), tuple(changed), table)
        valid = [(v, r) for v, r in results if r is not None]
        if len(valid) < 2:
            return None
        changed = sorted({(k, i) for _, r in valid for k in r
                          for i in np.flatnonzero(r[k] != valid[0][1][k])})
        table = np.array([[r[k][i] for k, i in changed] for _, r in valid], np.float64)
        return Dim(path, "choice", tuple(v for v, _ in valid), tuple(changed), table)

    # -- vectors --------------------------------------------------------------------------------------
    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self.dims)

    @property
    def names(self) -> tuple[str, ...]:
        """Dotted spec path of each dimension."""
        return tuple(d.path for d in self.dims)

    def clip(self, u: jax.Array) -> jax.Array:
        """Project onto the unit cube."""
        return jnp.clip(u, 0.0, 1.0)

    def sample(self, key: jax.Array, shape: tuple[int, ...] = (), low: Any = 0.0, high: Any = 1.0) -> jax.Array:
        """Uniform vectors in the box ``[low, high]`` of the unit cube (shape + (ndim,))."""
        u = jax.random.uniform(key, (*shape, self.ndim))
        return jnp.asarray(low) + u * (jnp.asarray(high) - jnp.asarray(low))

    def to_params(self, u: jax.Array, base: Any = None) -> Any:
        """EnvParams for one vector (jittable; vmap for batches). ``base`` defaults to the base config's."""
        params = self.base_params if base is None else base
        flat = {k: jnp.ravel(getattr(params, k)) for k in {k for d in self.dims for k, _ in d.leaves}}
        u = self.clip(jnp.asarray(u, jnp.float32))
        for j, dim in enumerate(self.dims):
            table = jnp.asarray(dim.table, jnp.float32)
            q = jnp.floor(u[j] * QUANT).astype(jnp.int32)
            if dim.kind == "choice":
                values = table[jnp.minimum((q * dim.size) >> QUANT_BITS, dim.size - 1)]
            elif dim.kind == "int":
                lo, hi = dim.values
                step = (q * (hi - lo) + QUANT // 2) >> QUANT_BITS
                values = table[0] + step.astype(jnp.float32) / (hi - lo) * (table[1] - table[0])
            else:
                values = table[0] + u[j] * (table[1] - table[0])
            for n, (leaf, idx) in enumerate(dim.leaves):
                value = values[n] if jnp.issubdtype(flat[leaf].dtype, jnp.floating) else jnp.round(values[n])
                flat[leaf] = flat[leaf].at[idx].set(value.astype(flat[leaf].dtype))
        return params.replace(**{k: v.reshape(jnp.shape(getattr(params, k))) for k, v in flat.items()})

    def from_params(self, params: Any) -> jax.Array:
        """The vector whose params are closest to ``params`` on every dimension (jittable)."""
        coords = []
        for dim in self.dims:
            current = jnp.stack([jnp.ravel(getattr(params, k))[i].astype(jnp.float32) for k, i in dim.leaves])
            table = jnp.asarray(dim.table, jnp.float32)
            if dim.kind != "choice":
                span = table[1] - table[0]
                safe = jnp.where(span == 0, 1.0, span)
                t = jnp.where(span == 0, 0.0, (current - table[0]) / safe)
                t = jnp.clip(jnp.max(jnp.where(span == 0, -jnp.inf, t)), 0.0, 1.0)
                if dim.kind == "int":  # the quantised coordinate whose integer step gives this value
                    lo, hi = dim.values
                    step = jnp.round(t * (hi - lo)).astype(jnp.int32)
                    q = (step * QUANT + (hi - lo) // 2) // (hi - lo)
                    t = (q.astype(jnp.float32) + 0.5) / QUANT
                coords.append(jnp.clip(t, 0.0, 1.0))
            else:
                row = jnp.argmin(jnp.sum(jnp.abs(table - current[None]), axis=1))
                coords.append((row + 0.5) / dim.size)
        return jnp.stack(coords).astype(jnp.float32) if coords else jnp.zeros((0,), jnp.float32)

    # -- configs (host side) ------------------------------------------------------------------------------
    def values(self, u: Any) -> dict[str, Any]:
        """The config value of every dimension for a vector."""
        u = np.asarray(u, np.float64)
        return {dim.path: dim.value(u[j]) for j, dim in enumerate(self.dims)}

    def to_spec(self, u: Any, name: str | None = None) -> Spec:
        """The validated config of a vector (raises SpecError when a combination breaks a rule)."""
        data = self._base_dict
        for path, value in self.values(u).items():
            data = _set_path(data, path, value)
        if name is not None:
            data = {**data, "name": name}
        return spec_class(self.family).from_dict(data)

    def from_spec(self, spec: Spec) -> np.ndarray:
        """The vector of a config (each field's value must be an allowed value of its dimension)."""
        data = spec.model_dump(mode="json")
        return np.array([dim.coordinate(_get_path(data, dim.path)) for dim in self.dims], np.float32)

    def describe(self) -> list[str]:
        """One line per dimension: path, kind and allowed values."""
        lines = []
        for d in self.dims:
            vals = (f"[{d.values[0]}, {d.values[1]}]" if d.kind != "choice"
                    else "{" + ", ".join(map(str, d.values)) + "}")
            lines.append(f"{d.path}: {d.kind} {vals}")
        return lines
