"""Source segments of Python code by the positions `ast` gives its nodes.

Lines end where Python's tokenizer ends them (\\r\\n, \\r or \\n), not where str.splitlines does
(which also splits at U+2028, form feeds and other separators that may sit inside a string)."""

import re

_LINE_END = re.compile(rb"\r\n|\r|\n")


class Source:
    """Segments of one piece of code, by node position (lineno and col_offset count bytes)."""

    def __init__(self, code):
        self.data = code.encode("utf-8", "surrogatepass")
        self.offsets = [0] + [match.end() for match in _LINE_END.finditer(self.data)]

    def __call__(self, node):
        """The source of `node`, its decorators included."""
        decorators = getattr(node, "decorator_list", None)
        if decorators:
            first = decorators[0]
            start = self.offsets[first.lineno - 1] + first.col_offset - 1  # the '@'
            end = self.offsets[node.end_lineno - 1] + node.end_col_offset
            return self.data[start:end].decode("utf-8", "replace")
        start = self.offsets[node.lineno - 1] + node.col_offset
        end = self.offsets[node.end_lineno - 1] + node.end_col_offset
        return self.data[start:end].decode("utf-8", "replace")
