"""Markov chains shared by the tests (written out here, independent of the package's own copy)."""

import numpy as np

# The spec's worked example: start 0, outcome 3, end 4; P(outcome within 20 steps) = 0.465864.
WORKED = np.array(
    [
        [0.60, 0.25, 0.05, 0.02, 0.08],
        [0.20, 0.50, 0.20, 0.05, 0.05],
        [0.10, 0.20, 0.40, 0.25, 0.05],
        [0.0, 0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 1.0],
    ]
)
