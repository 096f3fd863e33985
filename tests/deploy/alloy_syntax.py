"""A parser for Grafana Alloy configuration syntax, for tests.

No Alloy binary can be installed on the project's machines, so the tests check
the shipped *.alloy files with this parser. It follows the grammar of Alloy's
own `syntax/` package (`syntax/scanner/scanner.go`, `syntax/parser/internal.go`):

  * the scanner inserts a statement terminator at a newline that follows an
    identifier, literal, `)`, `]` or `}` (as Go does), so a list or object
    that continues past a newline needs a trailing comma, and `v = "a" "b"`
    is two expressions where one is allowed;
  * strings take Go's escapes only (\\a \\b \\f \\n \\r \\t \\v \\\\ \\" \\ooo \\xhh
    \\uhhhh \\Uhhhhhhhh); raw strings are back-quoted, have no escapes and may
    span lines; single quotes are an error;
  * Body = { (Attribute | Block) TERMINATOR }, Block = name { "." name }
    [ "label" ] "{" Body "}" (the label a valid identifier), attribute names
    a single identifier;
  * expressions with Alloy's precedence (|| && comparisons + - * / % and the
    right-associative ^), unary ! and -, access `.x`, index `[e]`, calls
    `f(a, b)`, lists `[a, b,]` and objects `{ k = v, "k" = v, }`.

Each attribute keeps both its expression tree (`expr`) and the flat token list
(`tokens`) the older tests look into. Alloy rejects an attribute set twice in
one block when it decodes the block (`syntax/vm`); `parse` does the same.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"'}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class AlloySyntaxError(ValueError):
    pass


@dataclass
class Token:
    kind: str  # ident, string, number, bool, null, punct, term, eof
    value: str
    line: int
    raw: str = ""  # source text of a string literal, quotes included


# --------------------------------------------------------------------------- expression tree

@dataclass
class Literal:
    kind: str  # string, number, bool, null
    value: object
    line: int


@dataclass
class Ident:
    name: str
    line: int


@dataclass
class Access:
    value: object
    name: str


@dataclass
class Index:
    value: object
    index: object


@dataclass
class Call:
    func: object
    args: list


@dataclass
class Unary:
    op: str
    value: object


@dataclass
class Binary:
    op: str
    left: object
    right: object


@dataclass
class Array:
    elements: list


@dataclass
class Object:
    fields: list  # [(name, quoted, expr)]

    def keys(self) -> list[str]:
        return [k for k, _, _ in self.fields]


def dotted(expr) -> str | None:
    """`a.b.c` for an identifier with member accesses, else None."""
    if isinstance(expr, Ident):
        return expr.name
    if isinstance(expr, Access):
        base = dotted(expr.value)
        return f"{base}.{expr.name}" if base else None
    return None


def walk_expr(expr):
    yield expr
    children = {
        Access: lambda e: [e.value], Index: lambda e: [e.value, e.index], Call: lambda e: [e.func, *e.args],
        Unary: lambda e: [e.value], Binary: lambda e: [e.left, e.right], Array: lambda e: e.elements,
        Object: lambda e: [v for _, _, v in e.fields],
    }.get(type(expr), lambda e: [])(expr)
    for c in children:
        yield from walk_expr(c)


@dataclass
class Attribute:
    name: str
    tokens: list[Token]
    line: int
    expr: object = None

    def strings(self) -> list[str]:
        return [t.value for t in self.tokens if t.kind == "string"]

    def string(self) -> str:
        """The value of an attribute that is a single string literal."""
        if not (isinstance(self.expr, Literal) and self.expr.kind == "string"):
            raise AssertionError(f"line {self.line}: {self.name} is not a single string literal")
        return self.expr.value


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


# --------------------------------------------------------------------------- scanner

_TERM_AFTER = {"ident", "string", "number", "bool", "null"}
_TWO_CHAR = {"==", "!=", "<=", ">=", "&&", "||"}
_ONE_CHAR = set("{}[]().,=+-*/%<>!^")


def _unquote(text: str, start: int, line: int) -> tuple[str, int]:
    """Scan a double-quoted string starting after the opening quote; returns (value, end index)."""
    out, j, n = [], start, len(text)
    while True:
        if j >= n or text[j] == "\n":
            raise AlloySyntaxError(f"line {line}: string literal not terminated")
        ch = text[j]
        if ch == '"':
            return "".join(out), j + 1
        if ch != "\\":
            out.append(ch)
            j += 1
            continue
        esc = text[j + 1] if j + 1 < n else ""
        if esc in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[esc])
            j += 2
            continue
        spec = {"x": (2, 16, 1), "u": (4, 16, 1), "U": (8, 16, 1)}.get(esc)
        if esc and esc in "01234567":
            spec = (3, 8, 0)
        if spec is None:
            raise AlloySyntaxError(f"line {line}: unknown escape sequence \\{esc} in string")
        count, base, skip = spec
        digits = text[j + 1 + skip:j + 1 + skip + count]
        valid = "01234567" if base == 8 else "0123456789abcdefABCDEF"
        if len(digits) != count or any(d not in valid for d in digits):
            raise AlloySyntaxError(f"line {line}: illegal character in escape sequence \\{esc}{digits}")
        code = int(digits, base)
        if (base == 8 and code > 255) or code > 0x10FFFF or 0xD800 <= code < 0xE000:
            raise AlloySyntaxError(f"line {line}: escape sequence is invalid Unicode code point")
        out.append(chr(code))
        j += 1 + skip + count


def tokenize(text: str) -> list[Token]:
    """Tokens with Alloy's terminator insertion; ends with an "eof" token."""
    tokens: list[Token] = []
    i, line, n = 0, 1, len(text)
    insert_term = False

    def term():
        tokens.append(Token("term", "\n", line))

    while True:
        # whitespace (newlines are terminators only after a terminating token)
        while i < n and (text[i] in " \t\r" or (text[i] == "\n" and not insert_term)):
            if text[i] == "\n":
                line += 1
            i += 1
        if i >= n:
            if insert_term:
                term()
            tokens.append(Token("eof", "", line))
            return tokens
        c = text[i]
        if c == "\n":
            term()
            insert_term = False
            line += 1
            i += 1
            continue
        if text.startswith("//", i) or text.startswith("/*", i):
            if text[i + 1] == "/":
                end = text.find("\n", i)
                end = n if end < 0 else end
            else:
                close = text.find("*/", i + 2)
                if close < 0:
                    raise AlloySyntaxError(f"line {line}: comment not terminated")
                end = close + 2
                if insert_term and "\n" in text[i:end]:
                    term()  # a multi-line comment ends the statement like a newline
                    insert_term = False
                line += text.count("\n", i, end)
            i = end
            continue
        start_line = line
        if c.isalpha() or c == "_":
            m = _IDENT.match(text, i)
            word = m.group(0)
            kind = {"true": "bool", "false": "bool", "null": "null"}.get(word, "ident")
            tokens.append(Token(kind, word, line))
            i = m.end()
            insert_term = True
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = re.compile(r"\d*(\.\d*)?([eE][+-]?\d*)?").match(text, i)
            lit = m.group(0)
            if m.group(2) is not None and not re.search(r"\d$", m.group(2)):
                raise AlloySyntaxError(f"line {line}: exponent has no digits")
            tokens.append(Token("number", lit, line))
            i = m.end()
            insert_term = True
        elif c == '"':
            value, end = _unquote(text, i + 1, line)
            tokens.append(Token("string", value, line, raw=text[i:end]))
            i = end
            insert_term = True
        elif c == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise AlloySyntaxError(f"line {line}: raw string literal not terminated")
            tokens.append(Token("string", text[i + 1:end], line, raw=text[i:end + 1]))
            line += text.count("\n", i, end)
            i = end + 1
            insert_term = True
        elif c == "'":
            raise AlloySyntaxError(f"line {line}: illegal single-quoted string; use double quotes")
        elif text[i:i + 2] in _TWO_CHAR:
            tokens.append(Token("punct", text[i:i + 2], line))
            i += 2
            insert_term = False
        elif c in "|&":
            raise AlloySyntaxError(f"line {line}: missing second {c} in {c}{c}")
        elif c in _ONE_CHAR:
            tokens.append(Token("punct", c, line))
            i += 1
            insert_term = c in ")]}"
        else:
            raise AlloySyntaxError(f"line {start_line}: illegal character {c!r}")


# --------------------------------------------------------------------------- parser

_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3,
               "+": 4, "-": 4, "*": 5, "/": 5, "%": 5}


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.t = tokens
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.t[self.i]

    def next(self) -> Token:
        tok = self.t[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def is_punct(self, value: str) -> bool:
        return self.tok.kind == "punct" and self.tok.value == value

    def expect_punct(self, value: str) -> Token:
        if not self.is_punct(value):
            raise AlloySyntaxError(f"line {self.tok.line}: expected {value!r}, got {self._describe()}")
        return self.next()

    def _describe(self) -> str:
        return {"term": "newline", "eof": "end of file"}.get(self.tok.kind, repr(self.tok.value))

    # Body = { Statement TERMINATOR }
    def body(self, closing: bool) -> tuple[list[Attribute], list[Block]]:
        attrs: list[Attribute] = []
        blocks: list[Block] = []
        while True:
            if self.tok.kind == "eof":
                if closing:
                    raise AlloySyntaxError(f"line {self.tok.line}: block not closed before end of file")
                break
            if closing and self.is_punct("}"):
                break
            self.statement(attrs, blocks)
            if closing and self.is_punct("}"):
                break
            if self.tok.kind == "eof" and not closing:
                break
            if self.tok.kind != "term":
                raise AlloySyntaxError(f"line {self.tok.line}: expected newline after statement, got {self._describe()}")
            self.next()
        seen: set[str] = set()
        for a in attrs:
            if a.name in seen:
                raise AlloySyntaxError(f"line {a.line}: attribute {a.name!r} may only be provided once")
            seen.add(a.name)
        return attrs, blocks

    def statement(self, attrs: list[Attribute], blocks: list[Block]) -> None:
        start = self.tok
        if start.kind != "ident":
            raise AlloySyntaxError(f"line {start.line}: expected identifier, got {self._describe()}")
        name = [self.next().value]
        while self.is_punct("."):
            self.next()
            if self.tok.kind != "ident":
                raise AlloySyntaxError(f"line {self.tok.line}: expected identifier, got {self._describe()}")
            name.append(self.next().value)
        label = None
        if self.tok.kind == "string":
            lab = self.next()
            if not lab.raw.startswith('"'):
                raise AlloySyntaxError(f"line {lab.line}: block label must be a double quoted string")
            label = lab.value
            if label and not _IDENT.fullmatch(label):
                raise AlloySyntaxError(f"line {lab.line}: block label must be a valid identifier, got {label!r}")
        if self.is_punct("="):
            if len(name) != 1:
                raise AlloySyntaxError(f"line {start.line}: attribute names may only be a single identifier: {'.'.join(name)}")
            if label is not None:
                raise AlloySyntaxError(f"line {start.line}: attribute names may not have labels")
            self.next()
            first = self.i
            expr = self.expression()
            toks = [t for t in self.t[first:self.i] if t.kind != "term"]
            attrs.append(Attribute(name[0], toks, start.line, expr))
            return
        if self.is_punct("{"):
            self.next()
            a, b = self.body(closing=True)
            self.expect_punct("}")
            blocks.append(Block(".".join(name), label, start.line, a, b))
            return
        raise AlloySyntaxError(f"line {self.tok.line}: expected '=' or block body after {'.'.join(name)}, "
                               f"got {self._describe()}")

    def expression(self, min_prec: int = 1):
        lhs = self.pow_expr()
        while True:
            tok = self.tok
            prec = _PRECEDENCE.get(tok.value, 0) if tok.kind == "punct" else 0
            if prec < min_prec:
                return lhs
            self.next()
            lhs = Binary(tok.value, lhs, self.expression(prec + 1))

    def pow_expr(self):
        lhs = self.unary_expr()
        if self.is_punct("^"):
            self.next()
            return Binary("^", lhs, self.pow_expr())
        return lhs

    def unary_expr(self):
        if self.is_punct("!") or self.is_punct("-"):
            op = self.next().value
            return Unary(op, self.unary_expr())
        expr = self.primary()
        while True:
            if self.is_punct("."):
                self.next()
                if self.tok.kind != "ident":
                    raise AlloySyntaxError(f"line {self.tok.line}: expected identifier after '.', got {self._describe()}")
                expr = Access(expr, self.next().value)
            elif self.is_punct("["):
                self.next()
                idx = self.expression()
                self.expect_punct("]")
                expr = Index(expr, idx)
            elif self.is_punct("("):
                self.next()
                args = self.expression_list(")")
                self.expect_punct(")")
                expr = Call(expr, args)
            elif self.tok.kind == "string" or self.is_punct("{"):
                raise AlloySyntaxError(f"line {self.tok.line}: unexpected {self._describe()} after an expression "
                                       "(a block cannot be an expression; lists need commas)")
            else:
                return expr

    def primary(self):
        tok = self.tok
        if tok.kind == "ident":
            self.next()
            return Ident(tok.value, tok.line)
        if tok.kind == "string":
            self.next()
            return Literal("string", tok.value, tok.line)
        if tok.kind == "number":
            self.next()
            return Literal("number", float(tok.value) if re.search(r"[.eE]", tok.value) else int(tok.value), tok.line)
        if tok.kind == "bool":
            self.next()
            return Literal("bool", tok.value == "true", tok.line)
        if tok.kind == "null":
            self.next()
            return Literal("null", None, tok.line)
        if self.is_punct("("):
            self.next()
            inner = self.expression()
            self.expect_punct(")")
            return inner
        if self.is_punct("["):
            self.next()
            elements = self.expression_list("]")
            self.expect_punct("]")
            return Array(elements)
        if self.is_punct("{"):
            self.next()
            fields = []
            while not self.is_punct("}") and self.tok.kind != "eof":
                key = self.tok
                if key.kind not in {"ident", "string"}:
                    raise AlloySyntaxError(f"line {key.line}: expected field name (string or identifier), "
                                           f"got {self._describe()}")
                self.next()
                self.expect_punct("=")
                fields.append((key.value, key.kind == "string", self.expression()))
                if self.is_punct("}"):
                    break
                if not self.is_punct(","):
                    raise AlloySyntaxError(f"line {self.tok.line}: missing ',' in field list")
                self.next()
            self.expect_punct("}")
            names = [k for k, _, _ in fields]
            dup = {k for k in names if names.count(k) > 1}
            if dup:
                raise AlloySyntaxError(f"line {tok.line}: object field {sorted(dup)[0]!r} given twice")
            return Object(fields)
        raise AlloySyntaxError(f"line {tok.line}: expected expression, got {self._describe()}")

    def expression_list(self, until: str) -> list:
        items = []
        while not self.is_punct(until) and self.tok.kind != "eof":
            items.append(self.expression())
            if self.is_punct(until):
                break
            if not self.is_punct(","):
                raise AlloySyntaxError(f"line {self.tok.line}: missing ',' in expression list")
            self.next()
        return items


def parse(text: str) -> Block:
    """Parse a whole file; returns a root Block holding the top-level statements."""
    p = _Parser(tokenize(text))
    attrs, blocks = p.body(closing=False)
    if p.tok.kind != "eof":
        raise AlloySyntaxError(f"line {p.tok.line}: unexpected {p._describe()}")
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
            if not is_key:
                refs.append((".".join(parts), is_call))
            i = j
        else:
            i += 1
    return refs
