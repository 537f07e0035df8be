"""`python -m tui` is the same as the `rill` command."""

from tui.cli import main

raise SystemExit(main())
