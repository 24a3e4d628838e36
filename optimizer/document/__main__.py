"""``python -m optimizer.document --write`` (or ``--check``): the committed JSON Schemas."""

from optimizer.document.io import main

raise SystemExit(main())
