"""``python -m tests.golden``: regenerate the seed release's digests (see __init__.py)."""

from . import main

main()
