"""Monte Carlo study of the overdue-risk estimators (thin wrapper; prints the table and elapsed time).

    .venv/bin/python benchmarks/monte_carlo.py --reps 200            # local Dask cluster, 2 workers
    .venv/bin/python benchmarks/monte_carlo.py --reps 200 --scheduler tcp://host:8786
"""

import argparse
import sys

from analysis.results import montecarlo

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    montecarlo.add_arguments(parser)
    sys.exit(montecarlo.run(parser.parse_args()))
