"""MkDocs hook: the site is built from the repository as it is, with no copies to keep in step.

* The home page (docs/index.md, a placeholder) is the README, its links made relative to the site.
* The files the guides link to outside docs/ (the gallery's charts, the scenario files) are added to the site
  under their repository paths, and the guides' ``../`` links are made relative to the site.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
SHARED = ("plots/gallery", "scenarios")
"""Repository folders whose files the site carries (charts and YAML only)."""
SUFFIXES = {".png", ".yaml", ".json"}


def on_files(files, config):
    for folder in SHARED:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES:
                uri = path.relative_to(ROOT).as_posix()
                files.append(File.generated(config, uri, abs_src_path=str(path)))
    return files


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri == "index.md":
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        return re.sub(r"\]\(docs/", "](", readme)
    # A guide's "../plots/gallery/x.png" is "plots/gallery/x.png" in the site; a folder link goes to its manifest.
    markdown = re.sub(r"\]\(\.\./([^)]*/)\)", r"](\1manifest.json)", markdown)
    return re.sub(r"\]\(\.\./", "](", markdown)
