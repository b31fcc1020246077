"""`python -m casework.cli …`: the same as the `casework` command."""

import sys

from casework.cli.main import main

sys.exit(main())
