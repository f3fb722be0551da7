"""`python -m retrieval` entry point."""

from retrieval.cli import main

raise SystemExit(main())
