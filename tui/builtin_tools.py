"""The built-in tools a user can switch on in the config's `[tools]` table.

They are plain typed functions with docstrings because `tui.stream.tools` builds each tool's JSON schema
from the signature and the docstring. A tool raises an ordinary exception with a one-line message when
the model asks for something it cannot do; the chat loop sends that message back to the model as an
error result, so a bad expression or path never ends the conversation.

Safety matters more than convenience here, because the arguments come from a model:
- `calculator` walks a whitelisted `ast` (no `eval`), and bounds exponents and result sizes so
  `9**9**9` or `10**10**10` cannot eat the CPU or the memory.
- `read_file` reads only regular text files under one directory the user chose, after resolving
  symlinks, and is marked `requires_confirmation` so the app asks the user first.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.config import ToolSettings

MAX_EXPRESSION_LENGTH = 1_000
MAX_EXPONENT = 10_000  # a bigger power of anything but 0/1/-1 is refused before computing it
MAX_INT_DIGITS = 4_000  # integers larger than this many digits are refused
MAX_FACTORIAL = 1_000
READ_FILE_MAX_BYTES = 256 * 1024


def current_time() -> str:
    """Return the current local date and time in ISO 8601 format, including the UTC offset."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


# ----------------------------------------------------------------------------------------- calculator


class CalculatorError(ValueError):
    """An expression the calculator refuses or cannot evaluate; the message says why."""


def _checked_pow(base: Any, exponent: Any) -> Any:
    if isinstance(base, int) and isinstance(exponent, int):
        if abs(base) > 1 and exponent > MAX_EXPONENT:
            raise CalculatorError(f"exponent {exponent} is too large (limit {MAX_EXPONENT})")
        if abs(base) > 1 and exponent > 0 and exponent * math.log10(abs(base)) > MAX_INT_DIGITS:
            raise CalculatorError(f"result would have more than {MAX_INT_DIGITS} digits")
    try:
        result = operator.pow(base, exponent)
    except OverflowError:
        raise CalculatorError("result is too large") from None
    if isinstance(result, complex):
        raise CalculatorError("result is not a real number")
    return result


def _checked_mul(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and left and right:
        if _digits(left) + _digits(right) > MAX_INT_DIGITS + 1:
            raise CalculatorError(f"result would have more than {MAX_INT_DIGITS} digits")
    return operator.mul(left, right)


def _digits(value: int) -> int:
    return max(1, math.ceil(abs(value).bit_length() * 0.30103))


def _factorial(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value < 0:
        raise CalculatorError("factorial needs a whole number >= 0")
    if value > MAX_FACTORIAL:
        raise CalculatorError(f"factorial argument {value} is too large (limit {MAX_FACTORIAL})")
    return math.factorial(value)


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: _checked_mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: _checked_pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "round": round,
    "min": min,
    "max": max,
    "sqrt": math.sqrt,
    "exp": math.exp,
    "log": math.log,
    "log10": math.log10,
    "log2": math.log2,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "floor": math.floor,
    "ceil": math.ceil,
    "factorial": _factorial,
}
_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau}


def _evaluate(node: ast.AST) -> int | float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise CalculatorError(f"only numbers are allowed, not {node.value!r}")
        if isinstance(node.value, int) and _digits(node.value) > MAX_INT_DIGITS:
            raise CalculatorError(f"number has more than {MAX_INT_DIGITS} digits")
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        try:
            result: int | float = _BINARY[type(node.op)](left, right)
            return result
        except ZeroDivisionError:
            raise CalculatorError("division by zero") from None
        except OverflowError:
            raise CalculatorError("result is too large") from None
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        negated: int | float = _UNARY[type(node.op)](_evaluate(node.operand))
        return negated
    if isinstance(node, ast.Name):
        if node.id in _CONSTANTS:
            return _CONSTANTS[node.id]
        raise CalculatorError(f"unknown name {node.id!r} (constants: {', '.join(_CONSTANTS)})")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
            known = ", ".join(sorted(_FUNCTIONS))
            raise CalculatorError(f"only these functions are allowed: {known}")
        if node.keywords:
            raise CalculatorError("keyword arguments are not allowed")
        args = [_evaluate(arg) for arg in node.args]
        try:
            value: int | float = _FUNCTIONS[node.func.id](*args)
            return value
        except CalculatorError:
            raise
        except (ValueError, TypeError, OverflowError) as exc:
            raise CalculatorError(f"{node.func.id}(): {exc}") from None
    if isinstance(node, ast.BinOp):
        raise CalculatorError(f"operator {type(node.op).__name__} is not allowed")
    raise CalculatorError(f"{type(node).__name__} is not allowed; use numbers, + - * / // % ** and parentheses")


def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression and return the result.

    Supports numbers, + - * / // % ** (power), unary minus, parentheses, the constants pi, e and tau,
    and the functions abs, round, min, max, sqrt, exp, log, log10, log2, sin, cos, tan, asin, acos,
    atan, floor, ceil and factorial. Example: "(2 + 3) * sqrt(16) / 2".

    Args:
        expression: The arithmetic expression to evaluate.
    """
    text = expression.strip().replace("^", "**") if isinstance(expression, str) else None
    if not text:
        raise CalculatorError("the expression is empty")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise CalculatorError(f"the expression is longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise CalculatorError(f"not a valid expression: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise CalculatorError("the expression is nested too deeply") from None
    try:
        result = _evaluate(tree)
    except RecursionError:
        raise CalculatorError("the expression is nested too deeply") from None
    if isinstance(result, float):
        if math.isnan(result) or math.isinf(result):
            raise CalculatorError("the result is not a finite number")
        if result.is_integer() and abs(result) < 1e16:
            return str(int(result))
        return repr(result)
    return str(result)


# ----------------------------------------------------------------------------------------- read_file


def _make_read_file(root: Path) -> Callable[[str], str]:
    root = root.expanduser().resolve()

    def read_file(path: str) -> str:
        """Read a UTF-8 text file from the directory the user allowed and return its contents.

        Args:
            path: The file's path, relative to the allowed directory (an absolute path must lie inside it).
        """
        if not isinstance(path, str) or not path.strip():
            raise ValueError("give the path of a file to read")
        if "\x00" in path:
            raise ValueError("the path contains a NUL character")
        candidate = Path(path).expanduser()
        if not candidate.is_absolute():
            candidate = root / candidate
        try:
            resolved = candidate.resolve()  # follows symlinks, so a link cannot lead outside
        except (OSError, RuntimeError) as exc:
            raise ValueError(f"cannot open {path}: {exc}") from None
        # containment first: outside the root, whether a file exists is none of the model's business
        if not resolved.is_relative_to(root):
            raise PermissionError(f"{path} is outside the allowed directory {root}")
        if not resolved.exists():
            raise ValueError(f"no such file: {path}")
        if not resolved.is_file():
            raise ValueError(f"{path} is not a regular file")
        size = resolved.stat().st_size
        if size > READ_FILE_MAX_BYTES:
            raise ValueError(f"{path} is {size} bytes; the limit is {READ_FILE_MAX_BYTES} bytes")
        data = resolved.read_bytes()[:READ_FILE_MAX_BYTES]
        if b"\x00" in data:
            raise ValueError(f"{path} looks like a binary file; only text files can be read")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{path} is not UTF-8 text") from None

    read_file.requires_confirmation = True  # type: ignore[attr-defined]
    return read_file


def enabled_tools(tool_settings: ToolSettings) -> list[Callable[..., Any]]:
    """The tool functions switched on in the config, in a stable order.

    `read_file` without a `read_file_root` is a configuration mistake: it raises `ValueError` saying
    what to set, rather than silently reading from the current directory.
    """
    tools: list[Callable[..., Any]] = []
    if tool_settings.time:
        tools.append(current_time)
    if tool_settings.calculator:
        tools.append(calculator)
    if tool_settings.read_file:
        if not tool_settings.read_file_root:
            raise ValueError('[tools] read_file = true needs read_file_root = "/a/directory" in the config')
        root = Path(tool_settings.read_file_root).expanduser()
        if not root.is_dir():
            raise ValueError(f"[tools] read_file_root {str(root)!r} is not a directory")
        tools.append(_make_read_file(root))
    return tools
