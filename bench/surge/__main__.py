import sys

from bench.surge.runner import main

sys.exit(main())
