"""`python -m synchronizer`: create topics and register schemas, once, then exit."""

from __future__ import annotations

import sys

from synchronizer.run import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
