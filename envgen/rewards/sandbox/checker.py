"""The first gate: parse a reward program and accept it only if every construct is on an allowlist.

Nothing is executed here. :func:`check_source` rejects, with the line and the construct, anything a
reward program does not need: imports, builtins, names starting with ``_``, strings, loops other than
``for i in range(K)``, non-ASCII identifiers (look-alike letters), and more (see docs/rewards.md).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import io
import re
import tokenize
import typing
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from envgen.printable import printable

PARAMS = ("prev", "state", "action")
VIEW_PARAMS = ("prev", "state")  # the ones with fields
MAX_SOURCE_CHARS = 20_000
MAX_NODES = 3_000
MAX_UNROLLED_NODES = 20_000  # nodes times the iterations of the loops around them
MAX_DEPTH = 60
MAX_CONST = 1e6
MAX_LOOP = 16
MAX_POW = 8
MAX_PROBLEMS = 10

# A lone UTF-16 surrogate can sit in a Python str but is not text: it cannot be encoded, hashed or parsed.
_SURROGATE = re.compile("[\ud800-\udfff]")

_REDUCE_KW = frozenset({"axis", "keepdims"})
_NONE: frozenset[str] = frozenset()
# name -> allowed keyword names. None of these can make an array of a shape chosen by the program:
# they are elementwise, reductions over existing arrays, casts, or combine arrays already there.
JNP_FUNCTIONS: dict[str, frozenset[str]] = {
    **{
        f: _NONE
        for f in (
            "abs",
            "absolute",
            "minimum",
            "maximum",
            "where",
            "sqrt",
            "exp",
            "log",
            "log1p",
            "expm1",
            "tanh",
            "sin",
            "cos",
            "arctan2",
            "hypot",
            "square",
            "sign",
            "floor",
            "ceil",
            "float32",
            "int32",
            "bool_",
            "logical_and",
            "logical_or",
            "logical_not",
            "logical_xor",
            "equal",
            "not_equal",
            "greater",
            "greater_equal",
            "less",
            "less_equal",
            "isfinite",
            "dot",
            "stack",
        )
    },
    **{
        f: _REDUCE_KW
        for f in (
            "sum",
            "mean",
            "max",
            "min",
            "prod",
            "any",
            "all",
            "argmax",
            "argmin",
            "count_nonzero",
        )
    },
    "clip": frozenset({"min", "max"}),
    "round": frozenset({"decimals"}),
    "nan_to_num": frozenset({"nan", "posinf", "neginf"}),
}
REDUCTIONS = frozenset(f for f, kw in JNP_FUNCTIONS.items() if kw == _REDUCE_KW)
JNP_CONSTANTS = frozenset({"pi", "e"})
# Keywords whose value must be a literal (JAX needs them static); all others take expressions.
_LITERAL_KW = frozenset({"axis", "keepdims", "decimals"})

_BINOPS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
}
_UNARYOPS = (ast.UAdd, ast.USub, ast.Not, ast.Invert)
_CMPOPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_GUARD = "_envgen_binop"  # injected after checking; user code can never name it (leading _)
MAX_PY_INT_BITS = 62
MAX_PY_INT = 2**MAX_PY_INT_BITS
_RANGE = "range"
_RESERVED = frozenset({*PARAMS, "jnp", _RANGE})  # names a program may read but never rebind

# Readable names for rejected constructs, so the message says "import" and not "ast.Import".
_CONSTRUCTS: dict[type, str] = {
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.While: "while loop",
    ast.Lambda: "lambda",
    ast.FunctionDef: "nested function definition",
    ast.AsyncFunctionDef: "async function",
    ast.ClassDef: "class definition",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string",
    ast.NamedExpr: "walrus operator (:=)",
    ast.Global: "global statement",
    ast.Nonlocal: "nonlocal statement",
    ast.Try: "try statement",
    ast.With: "with statement",
    ast.Raise: "raise statement",
    ast.Assert: "assert statement",
    ast.Delete: "del statement",
    ast.Yield: "yield",
    ast.YieldFrom: "yield from",
    ast.Await: "await",
    ast.Starred: "star-unpacking (*x)",
    ast.Dict: "dict literal",
    ast.Set: "set literal",
    ast.Break: "break",
    ast.Continue: "continue",
    ast.AsyncFor: "async for",
    ast.AsyncWith: "async with",
    ast.Match: "match statement",
    ast.AnnAssign: "annotated assignment",
    ast.Slice: "slice outside an index",
    ast.Assign: "assignment",
    ast.AugAssign: "assignment",
    ast.If: "if statement",
    ast.For: "for loop",
    ast.Return: "return",
}
if hasattr(ast, "TryStar"):
    _CONSTRUCTS[ast.TryStar] = "try statement"


@dataclasses.dataclass(frozen=True)
class ViewSpec:
    """What a program may read: field names (nested views map to their own spec) and helper methods."""

    fields: Mapping[str, ViewSpec | None]
    helpers: frozenset[str] = frozenset()

    @classmethod
    def of(cls, view_cls: type) -> ViewSpec:
        """Derive the readable names from a ``flax.struct`` dataclass and its ``HELPERS`` attribute."""
        if not dataclasses.is_dataclass(view_cls):
            raise TypeError(f"{view_cls!r} is not a dataclass; StateView must be a flax.struct dataclass")
        try:
            hints = typing.get_type_hints(view_cls)
        except Exception:  # unresolved forward references: treat every field as a leaf
            hints = {}
        fields: dict[str, ViewSpec | None] = {}
        for f in dataclasses.fields(view_cls):
            if f.name.startswith("_"):
                continue
            sub = hints.get(f.name)
            fields[f.name] = cls.of(sub) if isinstance(sub, type) and dataclasses.is_dataclass(sub) else None
        helpers = frozenset(getattr(view_cls, "HELPERS", ()))
        for h in helpers:
            if h.startswith("_") or not callable(getattr(view_cls, h, None)) or h in fields:
                raise TypeError(f"{view_cls.__name__}.HELPERS names {h!r}, which is not a public method")
        return cls(fields=fields, helpers=helpers)

    def describe(self) -> str:
        """Comma-separated readable names, for error messages."""
        names = sorted(self.fields) + [f"{h}(...)" for h in sorted(self.helpers)]
        return ", ".join(names)


@dataclasses.dataclass(frozen=True)
class Problem:
    """One rejected construct: where and why."""

    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class SandboxError(ValueError):
    """A reward program was rejected before anything ran. ``problems`` lists each fault with its line."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("reward program rejected:\n" + "\n".join(f"  {p}" for p in self.problems))

    @property
    def line(self) -> int | None:
        """Line of the first problem."""
        return self.problems[0].line if self.problems else None


def program_hash(source: str) -> str:
    """The identity of a program: sha256 of its exact source text.

    Lone surrogates are hashed as themselves (``surrogatepass``) so such a program still has an
    identity to be rejected under; valid text hashes exactly as its UTF-8 bytes.
    """
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


def behaviour_hash(source: str, spec: ViewSpec) -> str:
    """The identity of what a program does: sha256 of its checked syntax tree.

    Comments, blank lines, spacing and the docstring do not change it, so copies of one program that differ
    only in those share it (and one compiled branch in a bank). Raises :class:`SandboxError` like
    :func:`check_source`.
    """
    tree = check_source(source, spec)
    return hashlib.sha256(ast.dump(tree, include_attributes=False).encode("utf-8", "surrogatepass")).hexdigest()


def check_source(source: str, spec: ViewSpec) -> ast.Module:
    """Parse ``source`` and accept it only if every construct is allowed; return the (docstring-free) tree.

    Raises :class:`SandboxError` naming the line and construct of each fault. Nothing is executed.
    """
    if not isinstance(source, str):
        raise SandboxError([Problem(0, 0, f"a program must be text, got {type(source).__name__}")])
    if len(source) > MAX_SOURCE_CHARS:
        raise SandboxError([Problem(1, 0, f"program is {len(source)} characters; the limit is {MAX_SOURCE_CHARS}")])
    surrogate = _SURROGATE.search(source)
    if surrogate is not None:
        at = surrogate.start()
        line, col = source.count("\n", 0, at) + 1, at - (source.rfind("\n", 0, at) + 1)
        raise SandboxError([Problem(line, col, f"lone surrogate U+{ord(source[at]):04X} is not text; "
                                    "a program must be valid Unicode")])
    try:
        tree = ast.parse(source, filename="<reward>", mode="exec")
    except SyntaxError as err:
        msg = (err.msg or "invalid syntax").split(" - ")[0][:200]
        raise SandboxError([Problem(err.lineno or 1, err.offset or 0, f"syntax error: {msg}")]) from None
    except (ValueError, RecursionError, MemoryError) as err:
        # MemoryError and RecursionError from the parser carry no message: say what they mean.
        why = str(err).strip()[:200] or "the program is too large or too deeply nested to parse"
        raise SandboxError([Problem(1, 0, f"cannot parse the program: {type(err).__name__}: {why}")]) from None
    problems = _identifier_problems(source)
    if problems:
        raise SandboxError(problems[:MAX_PROBLEMS])
    # Measured without recursion first, so the recursive passes below (and compile()) only ever see
    # shallow trees and small programs.
    nodes, depth = _size_and_depth(tree)
    if nodes > MAX_NODES:
        raise SandboxError([Problem(1, 0, f"program has {nodes} syntax nodes; the limit is {MAX_NODES}")])
    if depth > 2 * MAX_DEPTH:
        raise SandboxError([Problem(1, 0, f"program is nested {depth} levels deep; the limit is {MAX_DEPTH}")])
    _Checker(spec).run(tree)
    return tree


# Trojan-source controls: text that displays in a different order than it is parsed.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def _identifier_problems(source: str) -> list[Problem]:
    """Non-ASCII identifiers and bidirectional controls, found on the raw tokens.

    Python folds identifiers with NFKC, so ``ｓcore`` silently *is* ``score`` while a Cyrillic ``sсore``
    is a different name that reads the same. Reward programs need neither: identifiers must be ASCII.
    """
    problems = []
    for lineno, line in enumerate(source.splitlines(), 1):
        for col, ch in enumerate(line):
            if ch in _BIDI_CONTROLS:
                problems.append(Problem(lineno, col, f"bidirectional control character U+{ord(ch):04X} is not "
                                        "allowed (it makes the code read differently from how it runs)"))
                break
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return problems  # ast.parse accepted it; nothing more to say here
    for tok in tokens:
        if tok.type == tokenize.NAME and not tok.string.isascii():
            bad = next(ch for ch in tok.string if not ch.isascii())
            what = unicodedata.name(bad, "unnamed character")
            problems.append(Problem(tok.start[0], tok.start[1], f"identifier {printable(tok.string)!r} contains "
                                    f"non-ASCII character U+{ord(bad):04X} ({what}); identifiers must be ASCII "
                                    "(look-alike letters can make two different names read the same)"))
    return problems



def _size_and_depth(tree: ast.AST) -> tuple[int, int]:
    count, deepest = 0, 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        deepest = max(deepest, depth)
        if count > MAX_NODES:
            break
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return count, deepest


class _Checker:
    """Walks the tree once; every node type must be handled explicitly, so anything new is rejected."""

    def __init__(self, spec: ViewSpec):
        self.spec = spec
        self.problems: list[Problem] = []
        self.locals: set[str] = set()
        self.loop_vars: set[str] = set()
        self.nodes = 0
        self.unrolled = 0
        self.sequence_ok: set[int] = set()  # ids of list/tuple nodes in a place that needs a sequence

    # -- entry ------------------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> None:
        body = tree.body
        funcs = [n for n in body if isinstance(n, ast.FunctionDef)]
        for node in body:
            if isinstance(node, ast.FunctionDef) and node.name == "reward" and node is funcs[0]:
                continue
            what = self.construct(node)
            if isinstance(node, ast.FunctionDef):
                what = f"another function `def {node.name}`"
            self.reject(
                node,
                f"{what} is not allowed at top level: the program must be exactly one "
                "`def reward(prev, state, action):`",
            )
        if not funcs or funcs[0].name != "reward":
            self.reject(
                tree.body[0] if tree.body else tree, "the program must define `def reward(prev, state, action):`"
            )
        else:
            self.function(funcs[0])
        if self.nodes > MAX_NODES:
            self.reject(tree.body[0], f"program has {self.nodes} syntax nodes; the limit is {MAX_NODES}")
        if self.unrolled > MAX_UNROLLED_NODES:
            self.reject(
                tree.body[0],
                f"loops unroll to {self.unrolled} syntax nodes; the limit is "
                f"{MAX_UNROLLED_NODES} (use fewer or shorter loops)",
            )
        if self.problems:
            self.problems.sort(key=lambda p: (p.line, p.col))
            raise SandboxError(self.problems[:MAX_PROBLEMS])

    def reject(self, node: Any, message: str) -> None:
        if len(self.problems) < 4 * MAX_PROBLEMS:
            self.problems.append(Problem(getattr(node, "lineno", 1), getattr(node, "col_offset", 0), message))

    @staticmethod
    def construct(node: Any) -> str:
        name = _CONSTRUCTS.get(type(node))
        if name:
            return name
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            return "a bare call"
        return type(node).__name__

    def count(self, node: Any, mult: int, depth: int) -> bool:
        self.nodes += 1
        self.unrolled += mult
        if depth > MAX_DEPTH:
            self.reject(node, f"expression nested deeper than {MAX_DEPTH} levels")
            return False
        return True

    # -- the function -----------------------------------------------------------------------------
    def function(self, fn: ast.FunctionDef) -> None:
        a = fn.args
        if fn.decorator_list:
            self.reject(fn.decorator_list[0], "decorators are not allowed")
        if fn.returns is not None:
            self.reject(fn.returns, "annotations are not allowed (they are evaluated when defined)")
        if getattr(fn, "type_params", None):
            self.reject(fn, "type parameters are not allowed")
        if a.posonlyargs or a.kwonlyargs or a.vararg or a.kwarg or a.defaults or a.kw_defaults:
            self.reject(
                fn,
                "the signature must be exactly `reward(prev, state, action)` (no defaults, *args, "
                "**kwargs or keyword-only arguments)",
            )
        if tuple(arg.arg for arg in a.args) != PARAMS:
            got = ", ".join(arg.arg for arg in a.args)
            self.reject(fn, f"the signature must be exactly `reward(prev, state, action)`, got `reward({got})`")
        for arg in a.args:
            if arg.annotation is not None:
                self.reject(arg, "annotations are not allowed (they are evaluated when defined)")
        body = fn.body
        if body and _is_docstring(body[0]):
            body = body[1:]
            fn.body = body or [ast.Pass()]  # the docstring is dropped from what gets compiled
        # Collect assigned names first, so use-before-assignment order does not matter to the check.
        for node in ast.walk(fn):
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            self.locals.add(n.id)
            elif isinstance(node, ast.For) and isinstance(node.target, ast.Name):
                self.loop_vars.add(node.target.id)
        for name in sorted(self.locals & self.loop_vars):
            self.reject(fn, f"loop variable {name!r} must not be assigned elsewhere")
        if not any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(fn)):
            self.reject(fn, "reward must `return` a value")
        self.block(body, mult=1, depth=1)

    def block(self, stmts: list[ast.stmt], mult: int, depth: int) -> None:
        for s in stmts:
            self.stmt(s, mult, depth)

    def stmt(self, s: ast.stmt, mult: int, depth: int) -> None:
        if not self.count(s, mult, depth):
            return
        if isinstance(s, ast.Assign):
            for t in s.targets:
                self.target(t)
            if isinstance(s.value, ast.Tuple) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Tuple):
                self.sequence_ok.add(id(s.value))
            self.expr(s.value, mult, depth + 1)
        elif isinstance(s, ast.AugAssign):
            self.target(s.target)
            self.binop(s, s.op, s.target, s.value, mult, depth)
        elif isinstance(s, ast.Return):
            if s.value is None:
                self.reject(s, "`return` needs a value")
            else:
                self.expr(s.value, mult, depth + 1)
        elif isinstance(s, ast.If):
            self.expr(s.test, mult, depth + 1)
            self.block(s.body, mult, depth + 1)
            self.block(s.orelse, mult, depth + 1)
        elif isinstance(s, ast.For):
            self.for_loop(s, mult, depth)
        elif isinstance(s, ast.Pass):
            pass
        elif isinstance(s, ast.Expr):
            what = (
                "string" if isinstance(s.value, ast.Constant) and isinstance(s.value.value, str) else self.construct(s)
            )
            self.reject(s, f"a statement that is only an expression ({what}) is not allowed; assign or return it")
            self.expr(s.value, mult, depth + 1)  # report what is wrong inside it too
        else:
            self.reject(s, f"{self.construct(s)} is not allowed")

    def target(self, t: ast.expr) -> None:
        if isinstance(t, ast.Tuple):
            for e in t.elts:
                self.target(e)
        elif isinstance(t, ast.Name):
            if t.id.startswith("_"):
                self.reject(t, f"names starting with '_' are not allowed ({t.id!r})")
            elif t.id in _RESERVED:
                self.reject(t, f"cannot assign to {t.id!r}")
        elif isinstance(t, ast.Starred):
            self.reject(t, "star-unpacking (*x) is not allowed")
        else:
            self.reject(t, f"only plain local names can be assigned, not {self.describe_target(t)}")

    @staticmethod
    def describe_target(t: ast.expr) -> str:
        return {ast.Attribute: "attributes", ast.Subscript: "items"}.get(type(t), type(t).__name__)

    def for_loop(self, s: ast.For, mult: int, depth: int) -> None:
        if s.orelse:
            self.reject(s, "for/else is not allowed")
        if not isinstance(s.target, ast.Name) or s.target.id.startswith("_"):
            self.reject(s, "the loop variable must be a plain local name")
        elif s.target.id in _RESERVED:
            self.reject(s, f"the loop variable cannot be named {s.target.id!r} (it would shadow it)")
        it = s.iter
        n = None
        if (
            isinstance(it, ast.Call)
            and isinstance(it.func, ast.Name)
            and it.func.id == _RANGE
            and not it.keywords
            and 1 <= len(it.args) <= 3
            and all(_literal_int(x) is not None for x in it.args)
        ):
            bounds = [_literal_int(x) for x in it.args]
            if bounds[-1] == 0 and len(bounds) == 3:
                self.reject(s, "range step must not be 0")
            else:
                n = len(range(*bounds))  # bounds are at most MAX_CONST, so this is cheap
        if n is None:
            self.reject(s, f"for loops may only run over `range(K)` with constant integers, K <= {MAX_LOOP}")
            n = 1
        elif n > MAX_LOOP:
            self.reject(s, f"for loop runs {n} times; the limit is {MAX_LOOP}")
            n = 1
        self.block(s.body, mult * max(n, 1), depth + 1)

    # -- expressions ------------------------------------------------------------------------------
    def expr(self, e: ast.expr, mult: int, depth: int) -> None:
        if not self.count(e, mult, depth):
            return
        d = depth + 1
        if isinstance(e, ast.Constant):
            self.constant(e)
        elif isinstance(e, ast.Name):
            self.name(e)
        elif isinstance(e, ast.BinOp):
            self.binop(e, e.op, e.left, e.right, mult, depth)
        elif isinstance(e, ast.UnaryOp):
            if not isinstance(e.op, _UNARYOPS):
                self.reject(e, f"operator {type(e.op).__name__} is not allowed")
            self.expr(e.operand, mult, d)
        elif isinstance(e, ast.BoolOp):
            for v in e.values:
                self.expr(v, mult, d)
        elif isinstance(e, ast.Compare):
            for op in e.ops:
                if not isinstance(op, _CMPOPS):
                    self.reject(e, f"comparison `{_cmp_name(op)}` is not allowed (use ==, !=, <, <=, >, >=)")
            self.expr(e.left, mult, d)
            for c in e.comparators:
                self.expr(c, mult, d)
        elif isinstance(e, ast.IfExp):
            for part in (e.test, e.body, e.orelse):
                self.expr(part, mult, d)
        elif isinstance(e, ast.Attribute):
            self.attribute(e, mult, d)
        elif isinstance(e, ast.Call):
            self.call(e, mult, d)
        elif isinstance(e, ast.Subscript):
            self.expr(e.value, mult, d)
            self.index(e.slice, e)
        elif isinstance(e, (ast.Tuple, ast.List)):
            # Only where a sequence is needed (jnp.stack([...]), `a, b = x, y`): elsewhere `[x] * n` or
            # tuple concatenation could build arbitrarily long Python sequences.
            if id(e) not in self.sequence_ok:
                self.reject(e, "lists and tuples are only allowed as jnp.stack([...]) and in `a, b = x, y`")
            for v in e.elts:
                self.expr(v, mult, d)
        else:
            self.reject(e, f"{self.construct(e)} is not allowed")

    def constant(self, e: ast.Constant) -> None:
        v = e.value
        if isinstance(v, bool):
            return
        if isinstance(v, int) and v.bit_length() > 64:  # repr() of a huge int can itself fail
            self.reject(e, f"integer constant of {v.bit_length()} bits is too large (|c| <= {MAX_CONST:g})")
            return
        if isinstance(v, (int, float)):
            if not (abs(v) <= MAX_CONST):  # also rejects inf and nan
                self.reject(e, f"constant {v!r} is too large (|c| <= {MAX_CONST:g})")
            return
        if v is None or v is Ellipsis:
            self.reject(e, f"{v!r} is not allowed (no new axes or ellipsis in indices)")
            return
        kind = {str: "strings", bytes: "bytes"}.get(type(v), f"{type(v).__name__} constants")
        self.reject(e, f"{kind} are not allowed in reward programs")

    def name(self, e: ast.Name) -> None:
        if e.id.startswith("_"):
            self.reject(e, f"names starting with '_' are not allowed ({e.id!r})")
        elif e.id == "action" or e.id in self.locals or e.id in self.loop_vars:
            return
        elif e.id in VIEW_PARAMS:
            self.reject(e, f"use fields of {e.id!r} ({e.id}.<field>), not {e.id!r} itself")
        elif e.id == "jnp":
            self.reject(e, "`jnp` can only be used as jnp.<function>(...)")
        else:
            self.reject(
                e,
                f"unknown name {e.id!r} (builtins are not available; allowed: prev, state, action, "
                "jnp.<function>, and local variables)",
            )

    def binop(self, node: Any, op: ast.operator, left: ast.expr, right: ast.expr, mult: int, depth: int) -> None:
        if type(op) not in _BINOPS:
            self.reject(node, f"operator {type(op).__name__} is not allowed")
        if isinstance(op, ast.Pow):
            exp = _literal_number(right)
            if exp is None or abs(exp) > MAX_POW:
                self.reject(node, f"`**` needs a constant exponent with |exponent| <= {MAX_POW}")
            if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) for n in ast.walk(left)):
                self.reject(node, "nested powers (a ** b) ** c are not allowed")
        self.expr(left, mult, depth + 1)
        self.expr(right, mult, depth + 1)

    def attribute(self, e: ast.Attribute, mult: int, depth: int, call: bool = False) -> None:
        chain = _attr_chain(e)
        if chain is None:
            node: ast.expr = e
            while isinstance(node, ast.Attribute):
                if node.attr.startswith("_"):
                    self.reject(e, f"names starting with '_' are not allowed (.{node.attr})")
                    break
                node = node.value
            else:
                self.reject(e, "attributes are only allowed on prev/state fields and jnp functions")
            self.expr(node, mult, depth + 1)  # report what is wrong in the base too
            return
        for part in chain:
            if part.startswith("_"):
                self.reject(e, f"names starting with '_' are not allowed ({'.'.join(chain)})")
                return
        root, attrs = chain[0], chain[1:]
        if root == "jnp":
            ok = len(attrs) == 1 and (attrs[0] in JNP_FUNCTIONS if call else attrs[0] in JNP_CONSTANTS)
            if not call and len(attrs) == 1 and attrs[0] in JNP_FUNCTIONS:
                self.reject(e, f"jnp.{attrs[0]} can only be called, not used as a value")
            elif not ok:
                allowed = ", ".join(sorted(JNP_FUNCTIONS)) if call else "pi, e"
                self.reject(e, f"jnp.{'.'.join(attrs)} is not allowed (allowed: {allowed})")
            return
        if root not in VIEW_PARAMS:
            if root in self.locals or root in self.loop_vars or root == "action":
                self.reject(e, f"attributes are only allowed on prev/state, not on {root!r}")
            else:
                self.name(ast.copy_location(ast.Name(id=root, ctx=ast.Load()), e))
            return
        spec: ViewSpec | None = self.spec
        for i, attr in enumerate(attrs):
            last = i == len(attrs) - 1
            if spec is None:
                self.reject(e, f"{'.'.join(chain[: i + 1])} has no fields")
                return
            if call and last:
                if attr not in spec.helpers:
                    self.reject(
                        e,
                        f"{'.'.join(chain)}(...) is not an allowed helper (allowed: "
                        f"{', '.join(sorted(spec.helpers)) or 'none'})",
                    )
                return
            if attr not in spec.fields:
                self.reject(e, f"{'.'.join(chain[: i + 2])} is not a field of the view (fields: {spec.describe()})")
                return
            spec = spec.fields[attr]

    def call(self, e: ast.Call, mult: int, depth: int) -> None:
        f = e.func
        if isinstance(f, ast.Name):
            what = (
                "range() is only allowed as `for i in range(K)`"
                if f.id == _RANGE
                else (f"calling {f.id!r} is not allowed (no builtins; use jnp.<function>)")
            )
            self.reject(e, what)
            return
        if not isinstance(f, ast.Attribute):
            self.reject(e, "only jnp.<function>(...) and view helpers can be called")
            return
        self.attribute(f, mult, depth, call=True)
        chain = _attr_chain(f) or []
        fname = chain[-1] if chain and chain[0] == "jnp" else None
        allowed_kw = JNP_FUNCTIONS.get(fname, _NONE) if fname else _NONE
        if fname == "stack" and e.args and isinstance(e.args[0], (ast.List, ast.Tuple)):
            self.sequence_ok.add(id(e.args[0]))
        for a in e.args:
            if isinstance(a, ast.Starred):
                self.reject(a, "star-args (*x) are not allowed")
            else:
                self.expr(a, mult, depth + 1)
        for kw in e.keywords:
            if kw.arg is None:
                self.reject(kw.value, "**kwargs are not allowed")
            elif kw.arg not in allowed_kw:
                self.reject(
                    kw.value,
                    f"keyword {kw.arg!r} is not allowed here"
                    + (f" (allowed: {', '.join(sorted(allowed_kw))})" if allowed_kw else ""),
                )
            elif kw.arg in _LITERAL_KW:
                if not _literal_static(kw.value):
                    self.reject(kw.value, f"{kw.arg}= must be a constant integer (or tuple of them) or bool")
            else:
                self.expr(kw.value, mult, depth + 1)
        if fname == "where" and (len(e.args) != 3 or e.keywords):
            self.reject(e, "jnp.where needs exactly three arguments: jnp.where(condition, x, y)")
        if fname in REDUCTIONS and len(e.args) != 1:
            self.reject(e, f"jnp.{fname} takes one array; pass the axis as axis=<constant>")
        if fname == "stack" and (len(e.args) != 1 or not isinstance(e.args[0], (ast.List, ast.Tuple))):
            self.reject(e, "jnp.stack takes one list of arrays: jnp.stack([a, b, c])")

    def index(self, s: ast.expr, parent: ast.expr) -> None:
        parts = s.elts if isinstance(s, ast.Tuple) else [s]
        for p in parts:
            if isinstance(p, ast.Slice):
                for b in (p.lower, p.upper, p.step):
                    if b is not None and not self.index_int(b):
                        self.reject(parent, "slice bounds must be constant integers or loop variables")
            elif isinstance(p, ast.Constant) and not isinstance(p.value, int):
                self.constant(p)
            elif not self.index_int(p):
                self.reject(parent, "indices must be constant integers or loop variables (e.g. x[0], x[i], x[1:3])")

    def index_int(self, e: ast.expr) -> bool:
        # Only +/- of literal ints and loop variables: bounded, and static under jit.
        if _literal_int(e) is not None:
            return True
        if isinstance(e, ast.Name):
            return e.id in self.loop_vars
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, (ast.USub, ast.UAdd)):
            return self.index_int(e.operand)
        if isinstance(e, ast.BinOp) and isinstance(e.op, (ast.Add, ast.Sub)):
            return self.index_int(e.left) and self.index_int(e.right)
        return False


def _is_docstring(s: ast.stmt) -> bool:
    return isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)


def _attr_chain(e: ast.expr) -> list[str] | None:
    parts: list[str] = []
    while isinstance(e, ast.Attribute):
        parts.append(e.attr)
        e = e.value
    if not isinstance(e, ast.Name):
        return None
    parts.append(e.id)
    return parts[::-1]


def _literal_number(e: ast.expr) -> float | None:
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, (ast.USub, ast.UAdd)):
        inner = _literal_number(e.operand)
        return None if inner is None else (-inner if isinstance(e.op, ast.USub) else inner)
    if isinstance(e, ast.Constant) and isinstance(e.value, (int, float)) and not isinstance(e.value, bool):
        return e.value if abs(e.value) <= MAX_CONST else None
    return None


def _literal_int(e: ast.expr) -> int | None:
    v = _literal_number(e)
    return v if isinstance(v, int) else None


def _literal_static(e: ast.expr) -> bool:
    if isinstance(e, ast.Constant) and isinstance(e.value, bool):
        return True
    if isinstance(e, ast.Tuple):
        return all(_literal_int(x) is not None for x in e.elts)
    return _literal_int(e) is not None


def _cmp_name(op: ast.cmpop) -> str:
    return {ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}.get(type(op), "?")

