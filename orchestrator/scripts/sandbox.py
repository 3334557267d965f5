"""The only way model code runs: task scripts, pre/post scripts, gateway conditions, timer
expressions and DMN cells are uploaded by designers, so they are compiled with RestrictedPython
and run with a short list of safe builtins, the helpers the engine was given, and task data.

Compiled code is cached per source string: the same condition is evaluated on every engine
step. Anything a script does wrong — a refused construct, a runaway loop, an exception — reaches
the caller as SpiffWorkflow's WorkflowTaskException, which the runtime turns into an incident.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import textwrap
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Literal

from RestrictedPython import (
    PrintCollector,
    RestrictingNodeTransformer,
    compile_restricted_eval,
    compile_restricted_exec,
    safe_builtins,
)
from RestrictedPython.Guards import (
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr_raise,
)
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

Mode = Literal["eval", "exec"]

# Loop iterations (for, while, comprehensions) one evaluation or script may make in total.
MAX_LOOP_STEPS = 1_000_000

# Builtins scripts never get; calling one is refused by name (a task-data field may still be
# called `open` or `type`: only a call is refused).
_REFUSED_CALLS = frozenset({
    "eval", "exec", "open", "compile", "globals", "locals", "vars", "getattr", "setattr",
    "delattr", "breakpoint", "__import__",
})
_FORMAT_METHODS = frozenset({"format", "format_map"})
# Exceptions that are not Exception subclasses would pass every `except Exception` on the way
# out and could stop the worker; scripts do not get them.
_NOT_FOR_SCRIPTS = {"BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit",
                    "__build_class__", "setattr", "delattr", "id"}


class ScriptRefused(Exception):
    """The code uses something the sandbox does not allow."""


class LoopLimitExceeded(Exception):
    """The code looped more than MAX_LOOP_STEPS times in one run."""


def _position(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 0), getattr(node, "end_col_offset", 0) or 0


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus a step count at the top of every while loop (for loops
    and comprehensions are counted by _getiter_)."""

    def visit_While(self, node: ast.While) -> ast.AST:
        node = self.node_contents_visit(node)
        tick = ast.Expr(ast.Call(func=ast.Name("_loop_tick_", ast.Load()), args=[], keywords=[]))
        node.body.insert(0, ast.copy_location(tick, node.body[0]))
        ast.fix_missing_locations(node)
        return node


class _Refusals(ast.NodeVisitor):
    """Plain-words reasons, in source order, for the refusals designers meet most; the rest
    (names starting with _, async code, frame attributes) are RestrictedPython's own."""

    def __init__(self, with_lines: bool):
        self.with_lines = with_lines
        self.found: dict[str, tuple[int, int]] = {}
        self.hidden: dict[str, ast.AST] = {}  # attributes starting with _, reported together

    def reasons(self, tree: ast.AST) -> list[str]:
        self.visit(tree)
        if self.hidden:
            names = ", ".join(sorted(self.hidden, key=lambda n: _position(self.hidden[n])))
            self.refuse(min(self.hidden.values(), key=_position),
                        f"access to {names} is not allowed (attributes starting with _ are "
                        "reserved)")
        return sorted(self.found, key=self.found.__getitem__)

    def refuse(self, node: ast.AST, reason: str) -> None:
        if self.with_lines:
            reason = f"{reason} (line {_position(node)[0]})"
        self.found.setdefault(reason, _position(node))

    def visit_Import(self, node: ast.AST) -> None:
        self.refuse(node, "import is not allowed")

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.refuse(node, "class definitions are not allowed")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in _REFUSED_CALLS:
            self.refuse(node, f"{node.func.id}() is not allowed")
            for child in (*node.args, *node.keywords):
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("_"):
            self.hidden.setdefault(node.attr, node)
        elif node.attr in _FORMAT_METHODS:
            self.refuse(node, f".{node.attr}() is not allowed (it can reach attributes); "
                              "use an f-string")
        self.generic_visit(node)


def _normalise(source: str, mode: Mode) -> str:
    """XML text around a script is often indented or padded with newlines."""
    return source.strip() if mode == "eval" else textwrap.dedent(source)


@lru_cache(maxsize=4096)
def _compile(source: str, mode: Mode) -> tuple[object | None, str | None]:
    """(code, None) or (None, reason). Cached: this runs on every engine step."""
    text = _normalise(source, mode)
    try:
        tree = ast.parse(text, "<string>", mode)
    except SyntaxError as err:
        where = f" (line {err.lineno})" if mode == "exec" and err.lineno else ""
        return None, f"syntax error: {err.msg}{where}"
    reasons = _Refusals(with_lines=mode == "exec").reasons(tree)
    if reasons:
        return None, "; ".join(reasons)
    compile_mode = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compile_mode(text, filename="<string>", policy=_Policy)
    if result.errors:
        return None, "; ".join(dict.fromkeys(_plain(error, mode) for error in result.errors))
    return result.code, None


def _plain(error: str, mode: Mode) -> str:
    """RestrictedPython's 'Line 2: Foo is not allowed.' in the style of the refusals above."""
    match = re.match(r"Line (\d+): (.*?)\.?$", error)
    if match is None:
        return error
    line, text = match.groups()
    text = text[:1].lower() + text[1:]
    return f"{text} (line {line})" if mode == "exec" else text


def check_code(source: str, mode: Literal["eval", "exec"]) -> str | None:
    """Compile with RestrictedPython; return a plain description of what is refused (imports,
    dunder/underscore attribute access, exec/eval/open/__import__, etc.) or None when
    acceptable."""
    return _compile(source, mode)[1]


def compiled(source: str, mode: Mode):
    """The sandboxed code object for source, compiled once; raises ScriptRefused."""
    code, reason = _compile(source, mode)
    if code is None:
        raise ScriptRefused(reason)
    return code


class _LoopBudget:
    """Loop steps left for one run; one per evaluation, so runs never share a count."""

    __slots__ = ("left",)

    def __init__(self, steps: int):
        self.left = steps

    def tick(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise LoopLimitExceeded(f"more than {MAX_LOOP_STEPS} loop steps")

    def iterate(self, iterable):
        for item in iterable:
            self.tick()
            yield item


def _bounded_range(*args: int) -> range:
    steps = range(*args)
    if len(steps) > MAX_LOOP_STEPS:
        raise LoopLimitExceeded(f"range of {len(steps)} items (limit {MAX_LOOP_STEPS})")
    return steps


_INPLACE = {f"{symbol}=": getattr(operator, f"i{name}") for symbol, name in (
    ("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "truediv"), ("//", "floordiv"),
    ("%", "mod"), ("**", "pow"), ("<<", "lshift"), (">>", "rshift"), ("&", "and"),
    ("|", "or"), ("^", "xor"), ("@", "matmul"))}


def _write_guard(ob):
    """Item assignment on task-data containers only; attribute assignment on nothing."""
    if isinstance(ob, (dict, list)):
        return ob
    raise ScriptRefused(f"cannot assign into a {type(ob).__name__}")


def _base_builtins() -> dict:
    names = {name: value for name, value in safe_builtins.items() if name not in _NOT_FOR_SCRIPTS}
    names.update({
        "len": len, "min": min, "max": max, "sorted": sorted, "sum": sum, "any": any,
        "all": all, "dict": dict, "list": list, "tuple": tuple, "set": set,
        "frozenset": frozenset, "enumerate": enumerate, "zip": zip, "map": map,
        "filter": filter, "reversed": reversed, "range": _bounded_range, "math": math,
        "_getattr_": safer_getattr_raise, "_getitem_": operator.getitem,
        "_write_": _write_guard, "_print_": PrintCollector,
        "_inplacevar_": lambda op, target, value: _INPLACE[op](target, value),
        "_apply_": lambda function, *args, **kwargs: function(*args, **kwargs),
        "_unpack_sequence_": guarded_unpack_sequence,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    })
    return names


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow's TaskDataEnvironment semantics (task data is the namespace; names a
    script assigns become task data; helpers and functions never do) with sandboxed code."""

    _SCAFFOLDING = ("__builtins__", "_print")

    def __init__(self, helpers: Mapping[str, Callable] | None = None):
        super().__init__(dict(helpers or {}))
        self.builtins = {**_base_builtins(), **self.globals}

    def _run_builtins(self) -> dict:
        budget = _LoopBudget(MAX_LOOP_STEPS)
        return {**self.builtins, "_getiter_": budget.iterate, "_loop_tick_": budget.tick}

    def evaluate(self, expression, context, external_context=None):
        code = compiled(expression, "eval")
        scope = {**(external_context or {}), **context, "__builtins__": self._run_builtins()}
        return eval(code, scope)

    def execute(self, script, context, external_context=None):
        external = external_context or {}
        self.check_for_overwrite(context, external)
        code = compiled(script, "exec")
        context.update(external)
        context["__builtins__"] = self._run_builtins()
        try:
            exec(code, context)
        finally:
            self._tidy(context, external)
        return True

    def call_service(self, context, **kwargs):
        raise ScriptRefused("service calls are not available to models")

    def check_for_overwrite(self, context, external_context):
        clashes = (set(self.globals) | set(external_context)) & set(context)
        if clashes:
            raise ValueError(f"task data overwrites helper function(s) {sorted(clashes)}; "
                             "rename these fields")

    def _tidy(self, context: dict, external: Mapping) -> None:
        """Leave only data: no builtins, helpers, external context or functions."""
        for key in list(context):
            if (key in self._SCAFFOLDING or key in self.globals or key in external
                    or callable(context[key])):
                del context[key]


class SandboxedScriptEngine(PythonScriptEngine):
    """The script engine every workflow gets. helpers (e.g. the date functions) are callable
    from model code by name, next to the safe builtins and the task data."""

    def __init__(self, helpers: Mapping[str, Callable] | None = None):
        super().__init__(environment=SandboxEnvironment(helpers))

    def call_service(self, task, operation_name, operation_params, **kwargs):
        """Service tasks run the engine's named operations (orchestrator/runtime/services)."""
        from ..runtime.services import call

        return call(task, operation_name, operation_params)

    def create_task_exec_exception(self, task, script, err):
        """As SpiffWorkflow's, but never fails itself on an exception whose first argument
        is not a string."""
        line_number, error_line = self.get_error_line_number_and_content(script, err)
        if isinstance(err, SpiffWorkflowException):
            err.line_number = line_number
            err.error_line = error_line
            err.add_note(f"Python script error on line {line_number}: '{error_line}'")
            return err
        detail = err.__class__.__name__
        if err.args:
            detail += f": {err.args[0]}"
        return WorkflowTaskException(detail, task=task, exception=err,
                                     line_number=line_number, error_line=error_line)

    def get_error_line_number_and_content(self, script, err):
        try:
            return super().get_error_line_number_and_content(script, err)
        except Exception:
            return 0, ""
