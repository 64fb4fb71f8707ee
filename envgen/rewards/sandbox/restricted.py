"""The second gate: compile a checked program with no builtins and bounded integer arithmetic."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from envgen.rewards.sandbox.checker import (
    _GUARD,
    _RANGE,
    JNP_CONSTANTS,
    JNP_FUNCTIONS,
    MAX_LOOP,
    MAX_PY_INT,
    MAX_PY_INT_BITS,
    ViewSpec,
    check_source,
    program_hash,
)


class _GuardArithmetic(ast.NodeTransformer):
    """Route every binary operation through :func:`_guarded_binop` (after checking).

    Arithmetic on arrays is unaffected; arithmetic on plain Python integers (constants, loop
    variables, bools from static comparisons) is checked after every step, so no program can grow a
    huge integer while it is traced - e.g. by squaring a number forty times.
    """

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        return ast.copy_location(_guard_call(node.op, node.left, node.right), node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.stmt:
        self.generic_visit(node)
        assert isinstance(node.target, ast.Name)  # the checker allows nothing else
        current = ast.copy_location(ast.Name(id=node.target.id, ctx=ast.Load()), node)
        value = _guard_call(node.op, current, node.value)
        return ast.copy_location(ast.Assign(targets=[node.target], value=value), node)


def _guard_call(op: ast.operator, left: ast.expr, right: ast.expr) -> ast.Call:
    code = ast.Constant(value=_OP_CODES[type(op)])
    return ast.Call(func=ast.Name(id=_GUARD, ctx=ast.Load()), args=[code, left, right], keywords=[])


_OP_FUNCS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
}
_OP_CODES = {t: i for i, t in enumerate(_OP_FUNCS)}
_OP_BY_CODE = list(_OP_FUNCS.values())


def _guarded_binop(code: int, left: Any, right: Any) -> Any:
    result = _OP_BY_CODE[code](left, right)
    if isinstance(result, int) and not -MAX_PY_INT <= result <= MAX_PY_INT:
        raise OverflowError(f"integer arithmetic exceeds +-2**{MAX_PY_INT_BITS} (use float values)")
    return result


def _jnp_proxy() -> Any:
    """An object whose only attributes are the allowed jnp functions and constants (no module walk)."""
    import jax.numpy as jnp

    members = {name: staticmethod(getattr(jnp, name)) for name in JNP_FUNCTIONS}
    members.update({name: getattr(jnp, name) for name in JNP_CONSTANTS})
    proxy_cls = type("jnp", (), {"__slots__": (), **members, "__repr__": lambda self: "<jnp reward subset>"})
    return proxy_cls()


def compile_program(source: str, spec: ViewSpec) -> Callable[[Any, Any, Any], Any]:
    """Check ``source`` and return its ``reward`` function, compiled with no builtins.

    Only :func:`validate_programs` (in the child) and :class:`~envgen.rewards.bank.RewardBank` (for
    programs that passed validation) should call this.
    """
    tree = ast.fix_missing_locations(_GuardArithmetic().visit(check_source(source, spec)))
    code = compile(tree, f"<reward {program_hash(source)[:12]}>", "exec", dont_inherit=True)
    namespace: dict[str, Any] = {
        "__builtins__": {},
        "jnp": _jnp_proxy(),
        _RANGE: _bounded_range,
        _GUARD: _guarded_binop,
    }
    exec(code, namespace)  # defines the function only: no decorators, defaults or annotations can run
    return namespace["reward"]


def _bounded_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_LOOP:
        raise ValueError(f"range of {len(r)} iterations exceeds {MAX_LOOP}")
    return r

