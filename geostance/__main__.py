"""Allow ``python -m geostance <verb>``."""

import sys

from geostance.cli import main

sys.exit(main())
