"""A small reader for Grafana Alloy configuration syntax (formerly River), for tests.

No Alloy binary can be installed on the project's machines, so the tests check
the shipped *.alloy files with this reader: it tokenizes (strings with Alloy's
escapes, numbers, identifiers, punctuation, // and /* */ comments), checks that
brackets balance, and builds a tree of blocks and attributes. Expressions are
kept as token lists; the tests look inside them for component references,
function calls and string literals. It is deliberately strict about what the
shipped files use and does not try to evaluate Alloy.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


class AlloySyntaxError(ValueError):
    pass


@dataclass
class Token:
    kind: str  # ident, string, number, punct, newline
    value: str
    line: int


@dataclass
class Attribute:
    name: str
    tokens: list[Token]
    line: int

    def strings(self) -> list[str]:
        return [t.value for t in self.tokens if t.kind == "string"]

    def string(self) -> str:
        """The value of an attribute that is a single string literal."""
        if len(self.tokens) != 1 or self.tokens[0].kind != "string":
            raise AssertionError(f"line {self.line}: {self.name} is not a single string literal")
        return self.tokens[0].value


@dataclass
class Block:
    name: str  # dotted, e.g. "loki.process" or "stage.regex"
    label: str | None
    line: int
    attributes: list[Attribute] = field(default_factory=list)
    blocks: list["Block"] = field(default_factory=list)

    def attr(self, name: str) -> Attribute | None:
        found = [a for a in self.attributes if a.name == name]
        if len(found) > 1:
            raise AssertionError(f"line {self.line}: attribute {name} set twice in {self.name}")
        return found[0] if found else None

    def walk(self):
        yield self
        for b in self.blocks:
            yield from b.walk()


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            tokens.append(Token("newline", "\n", line))
            line += 1
            i += 1
        elif c in " \t\r":
            i += 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise AlloySyntaxError(f"line {line}: unterminated block comment")
            line += text.count("\n", i, end)
            i = end + 2
        elif c == '"':
            j, out = i + 1, []
            while True:
                if j >= n or text[j] == "\n":
                    raise AlloySyntaxError(f"line {line}: unterminated string")
                ch = text[j]
                if ch == '"':
                    break
                if ch == "\\":
                    esc = text[j + 1] if j + 1 < n else ""
                    if esc in _ESCAPES:
                        out.append(_ESCAPES[esc])
                        j += 2
                    elif esc == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", text[j + 2:j + 4]):
                        out.append(chr(int(text[j + 2:j + 4], 16)))
                        j += 4
                    elif esc == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[j + 2:j + 6]):
                        out.append(chr(int(text[j + 2:j + 6], 16)))
                        j += 6
                    else:
                        # Alloy rejects unknown escapes like "\d": regexes need "\\d".
                        raise AlloySyntaxError(f"line {line}: invalid escape \\{esc} in string")
                else:
                    out.append(ch)
                    j += 1
            tokens.append(Token("string", "".join(out), line))
            i = j + 1
        elif c == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise AlloySyntaxError(f"line {line}: unterminated raw string")
            tokens.append(Token("string", text[i + 1:end], line))
            line += text.count("\n", i, end)
            i = end + 1
        elif c.isdigit():
            m = re.match(r"\d+(\.\d+)?([eE][+-]?\d+)?", text[i:])
            tokens.append(Token("number", m.group(0), line))
            i += m.end()
        elif c.isalpha() or c == "_":
            m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text[i:])
            tokens.append(Token("ident", m.group(0), line))
            i += m.end()
        elif text.startswith(("==", "!=", "<=", ">=", "&&", "||"), i):
            tokens.append(Token("punct", text[i:i + 2], line))
            i += 2
        elif c in "{}[]().,=+-*/%<>!?:^":
            tokens.append(Token("punct", c, line))
            i += 1
        else:
            raise AlloySyntaxError(f"line {line}: unexpected character {c!r}")
    return tokens


def check_brackets(tokens: list[Token]) -> None:
    pairs = {"}": "{", "]": "[", ")": "("}
    stack: list[Token] = []
    for t in tokens:
        if t.kind != "punct":
            continue
        if t.value in "{[(":
            stack.append(t)
        elif t.value in pairs:
            if not stack or stack[-1].value != pairs[t.value]:
                raise AlloySyntaxError(f"line {t.line}: unbalanced {t.value!r}")
            stack.pop()
    if stack:
        raise AlloySyntaxError(f"line {stack[-1].line}: {stack[-1].value!r} never closed")


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.t = tokens
        self.i = 0

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.t[j] if j < len(self.t) else None

    def skip_newlines(self):
        while self.peek() is not None and self.peek().kind == "newline":
            self.i += 1

    def body(self, closing: bool) -> tuple[list[Attribute], list[Block]]:
        attrs: list[Attribute] = []
        blocks: list[Block] = []
        while True:
            self.skip_newlines()
            tok = self.peek()
            if tok is None:
                if closing:
                    raise AlloySyntaxError("unexpected end of file in block")
                return attrs, blocks
            if tok.kind == "punct" and tok.value == "}":
                if not closing:
                    raise AlloySyntaxError(f"line {tok.line}: unexpected '}}'")
                self.i += 1
                return attrs, blocks
            if tok.kind != "ident":
                raise AlloySyntaxError(f"line {tok.line}: expected an identifier, got {tok.value!r}")
            name = [tok.value]
            self.i += 1
            while self.peek() and self.peek().kind == "punct" and self.peek().value == ".":
                nxt = self.peek(1)
                if nxt is None or nxt.kind != "ident":
                    raise AlloySyntaxError(f"line {tok.line}: bad dotted name")
                name.append(nxt.value)
                self.i += 2
            nxt = self.peek()
            if nxt and nxt.kind == "punct" and nxt.value == "=":
                if len(name) != 1:
                    raise AlloySyntaxError(f"line {tok.line}: attribute names cannot be dotted: {'.'.join(name)}")
                self.i += 1
                attrs.append(Attribute(name[0], self.expression(), tok.line))
                continue
            label = None
            if nxt and nxt.kind == "string":
                label = nxt.value
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", label):
                    raise AlloySyntaxError(f"line {tok.line}: invalid block label {label!r}")
                self.i += 1
                nxt = self.peek()
            if not (nxt and nxt.kind == "punct" and nxt.value == "{"):
                raise AlloySyntaxError(f"line {tok.line}: expected '{{' after {'.'.join(name)}")
            self.i += 1
            a, b = self.body(closing=True)
            blocks.append(Block(".".join(name), label, tok.line, a, b))

    def expression(self) -> list[Token]:
        out: list[Token] = []
        depth = 0
        while True:
            tok = self.peek()
            if tok is None:
                break
            if tok.kind == "newline" and depth == 0:
                # a trailing operator or comma continues the expression on the next line
                if out and out[-1].kind == "punct" and out[-1].value in {"+", "-", "*", "/", "%", "==", "!=", "&&", "||", ","}:
                    self.i += 1
                    continue
                break
            if tok.kind == "punct" and tok.value == "}" and depth == 0:
                break
            if tok.kind == "punct" and tok.value in "{[(":
                depth += 1
            elif tok.kind == "punct" and tok.value in "}])":
                depth -= 1
            if tok.kind != "newline":
                out.append(tok)
            self.i += 1
        if not out:
            raise AlloySyntaxError(f"line {self.t[self.i - 1].line}: empty expression")
        return out


def parse(text: str) -> Block:
    """Parse a whole file; returns a root Block holding the top-level statements."""
    tokens = tokenize(text)
    check_brackets(tokens)
    attrs, blocks = _Parser(tokens).body(closing=False)
    return Block("<root>", None, 0, attrs, blocks)


def references(tokens: list[Token]) -> list[tuple[str, bool]]:
    """Dotted identifier chains in an expression: (chain, is_function_call).

    Object keys (`{"__path__" = ...}` uses strings; `{ level = "" }` uses idents
    followed by '=') are not references and are skipped.
    """
    refs: list[tuple[str, bool]] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "ident" and not (i > 0 and tokens[i - 1].kind == "punct" and tokens[i - 1].value == "."):
            parts = [t.value]
            j = i + 1
            while j + 1 < len(tokens) and tokens[j].value == "." and tokens[j + 1].kind == "ident":
                parts.append(tokens[j + 1].value)
                j += 2
            nxt = tokens[j] if j < len(tokens) else None
            is_key = nxt is not None and nxt.kind == "punct" and nxt.value == "=" 
            is_call = nxt is not None and nxt.kind == "punct" and nxt.value == "("
            if not is_key and t.value not in {"true", "false", "null"}:
                refs.append((".".join(parts), is_call))
            i = j
        else:
            i += 1
    return refs
