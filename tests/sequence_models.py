"""Small sequence models following riskcore.mc.SequenceModel, with exact risks by dynamic programming
(the oracles of tests/test_mc_sequence.py)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np


class ChainModel:
    """A finite Markov chain as a sequence model: tokens are states, context c starts in state c."""

    def __init__(self, P: np.ndarray, dtype=np.float64, logits: bool = False) -> None:
        self.P = np.asarray(P, dtype=np.float64)
        with np.errstate(divide="ignore"):  # log 0 = -inf: an impossible token
            self.rows = np.log(self.P).astype(dtype) if logits else self.P.astype(dtype)
        self.state = np.zeros(0, dtype=np.int64)
        self.calls = 0

    def start(self, contexts):
        self.state = np.asarray(contexts, dtype=np.int64).copy()
        return self.rows[self.state]

    def step(self, tokens):
        self.calls += 1
        self.state = np.asarray(tokens).copy()
        return self.rows[self.state]

    def select(self, rows):
        self.state = self.state[rows]


# Trigram with time tokens: 0-2 events, 3 and 4 outcomes (the trajectory goes on after them), 5 a
# time token (1 time unit), 6 the end token; event 1 takes half a unit.
VOCAB = 7
OUTCOME_A, OUTCOME_B, TIME, END = 3, 4, 5, 6
DURATIONS = np.array([0.0, 0.5, 0.0, 0.0, 0.0, 1.0, 0.0])
HISTORIES = [(0, 1), (2, 5), (1, 3)]  # context c starts after these two tokens


def trigram_table(seed: int = 0) -> np.ndarray:
    """P[prev2, prev1, next], random with modest outcome and end probabilities."""
    rng = np.random.default_rng(seed)
    table = rng.dirichlet(np.ones(VOCAB) * 2.0, size=(VOCAB, VOCAB))
    table[..., [OUTCOME_A, OUTCOME_B]] *= 0.35
    table[..., END] *= 0.3
    table[..., TIME] *= 2.0
    return table / table.sum(axis=-1, keepdims=True)


class TrigramModel:
    """A random trigram language model with time tokens; state = the last two tokens per row."""

    def __init__(self, table: np.ndarray) -> None:
        self.table = table
        self.last = np.zeros((0, 2), dtype=np.int64)

    def start(self, contexts):
        self.last = np.array([HISTORIES[c] for c in np.asarray(contexts)], dtype=np.int64).reshape(-1, 2)
        return self.table[self.last[:, 0], self.last[:, 1]]

    def step(self, tokens):
        self.last = np.stack([self.last[:, 1], np.asarray(tokens)], axis=1)
        return self.table[self.last[:, 0], self.last[:, 1]]

    def select(self, rows):
        self.last = self.last[rows]


def trigram_exact(table: np.ndarray, context: int, outcome: list[int], horizons, budget: int) -> np.ndarray:
    """P(an outcome token is drawn on a step whose elapsed time is < H, within ``budget`` tokens and
    before the end token), for every H, by a forward pass over (prev2, prev1, elapsed time)."""
    horizons = np.atleast_1d(np.asarray(horizons, dtype=float))
    alive: dict[tuple[int, int, float], float] = {(*HISTORIES[context], 0.0): 1.0}
    risk = np.zeros(horizons.size)
    for _ in range(budget):
        nxt: dict[tuple[int, int, float], float] = defaultdict(float)
        for (a, b, tau), w in alive.items():
            row = table[a, b]
            risk += np.where(tau < horizons, w * row[outcome].sum(), 0.0)
            for v in range(VOCAB):
                if v in outcome or v == END:
                    continue
                t2 = tau + DURATIONS[v]
                if t2 < horizons.max():
                    nxt[(b, v, t2)] += w * row[v]
        alive = nxt
    return risk
