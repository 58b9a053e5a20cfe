"""Source comments: the comments attached to each key of a scenario file, for the assumptions table."""

from __future__ import annotations

from pathlib import Path

from sim.core.problems import KeyPath, ScenarioError
from sim.scenario.yaml_text import parse_yaml, read_text
from sim.scenario.loading import MAX_EXTENDS_DEPTH

def source_comments(path: str | Path) -> dict[KeyPath, str]:
    """The comments attached to each key path of a scenario file and its ``extends`` chain.

    A key's comment is the block of comment lines right above it plus its inline comment; the child file's
    comments win over its parents'.  Used to show each parameter's source next to its value.
    """
    chain: list[Path] = []
    current = Path(path).resolve()
    while current.is_file() and current not in chain and len(chain) <= MAX_EXTENDS_DEPTH:
        chain.append(current)
        try:
            data, _ = parse_yaml(read_text(current, str(current)), str(current))
        except ScenarioError:
            break
        parent = data.get("extends") if isinstance(data, dict) else None
        if not isinstance(parent, str):
            break
        current = (current.parent / parent).resolve()
    comments: dict[KeyPath, str] = {}
    for file in reversed(chain):  # parents first, so children override
        text = file.read_text(encoding="utf-8-sig")
        _, lines = parse_yaml(text, str(file))
        raw = text.splitlines()
        header_end = next((k for k, ln in enumerate(raw) if ln.strip() and not ln.strip().startswith("#")), 0)
        header = " ".join(ln.strip().lstrip("#").strip() for ln in raw[:header_end] if ln.strip())
        own = {key_path: _comment_at(raw, line, header_end) for key_path, (_, line) in lines.items()
               if key_path and line is not None}
        for key_path in own:
            # a key without a comment of its own takes its nearest commented parent's, else the file's header
            found = next((own[key_path[:n]] for n in range(len(key_path), 0, -1) if own.get(key_path[:n])), header)
            if found:
                comments[key_path] = found
    return comments


def _comment_at(raw: list[str], line: int, header_end: int = 0) -> str:
    above: list[str] = []
    k = line - 2
    while k >= header_end and raw[k].strip().startswith("#"):
        text = raw[k].strip().lstrip("#").strip()
        if text.strip("-=* "):  # skip ruler lines such as '# -----'
            above.insert(0, text)
        k -= 1
    inline = ""
    if " #" in raw[line - 1]:
        inline = raw[line - 1].split(" #", 1)[1].strip()
    return " ".join(part for part in (" ".join(above), inline) if part)


__all__ = ["source_comments"]
