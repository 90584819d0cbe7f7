"""``python -m crsreport`` is ``make-report``."""

import sys

from .cli import main

sys.exit(main())
