"""``python -m kolgraph``: the command line."""

from kolgraph.cli import main

main()
