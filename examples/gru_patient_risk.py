"""Risk of ICU admission and death within 7 and 30 days for synthetic patients, from a generative
event model, by MC, SCOPE and REACH with riskcore's model-in-the-loop driver.

With torch installed a tiny GRU is trained on the synthetic timelines (about a minute); without it a
count-based trigram model is fitted instead. Both follow riskcore.mc.SequenceModel (start / step /
select), so the risk code is the same.

    python examples/gru_patient_risk.py [--seconds 60] [--trajectories 2000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from riskcore import mc

TOKENS = ["admit", "lab_ok", "lab_bad", "med", "day", "icu", "death", "discharge"]
ADMIT, LAB_OK, LAB_BAD, MED, DAY, ICU, DEATH, DISCHARGE = range(len(TOKENS))
V = len(TOKENS)
DURATIONS = np.where(np.arange(V) == DAY, 1.0, 0.0)  # only "day" tokens advance the clock (days)


def synthetic_timelines(patients: int, rng: np.random.Generator, max_len: int = 80) -> list[list[int]]:
    """Timelines from a hidden severity that drifts: sicker patients see more bad labs, ICU, death."""
    out = []
    for _ in range(patients):
        severity, seq = rng.normal(), [ADMIT]
        while len(seq) < max_len:
            severity += 0.15 * rng.normal() + (0.05 if seq[-1] == LAB_BAD else -0.03 if seq[-1] == MED else 0.0)
            s = 1 / (1 + np.exp(-severity))
            p = np.array([0, 0.25 * (1 - s), 0.25 * s, 0.15, 0.3, 0.02 * s, 0.01 * s**2, 0.03 * (1 - s)])
            token = int(rng.choice(V, p=p / p.sum()))
            seq.append(token)
            if token in (DEATH, DISCHARGE):
                break
        out.append(seq)
    return out


class TrigramModel:
    """Count-based trigram model (add-0.5 smoothing) fitted on timelines; state = the last two tokens."""

    def __init__(self, timelines: list[list[int]], prefixes: list[list[int]]) -> None:
        counts = np.full((V + 1, V + 1, V), 0.5)
        for seq in timelines:
            padded = [V, V, *seq]
            for a, b, c in zip(padded, padded[1:], padded[2:], strict=False):
                counts[a, b, c] += 1
        self.table = counts / counts.sum(axis=-1, keepdims=True)
        self.prefixes = prefixes
        self.last = np.zeros((0, 2), dtype=np.int64)

    def start(self, contexts: np.ndarray) -> np.ndarray:
        self.last = np.array([([V, V] + self.prefixes[c])[-2:] for c in contexts], dtype=np.int64).reshape(-1, 2)
        return self.table[self.last[:, 0], self.last[:, 1]]

    def step(self, tokens: np.ndarray) -> np.ndarray:
        self.last = np.stack([self.last[:, 1], tokens], axis=1)
        return self.table[self.last[:, 0], self.last[:, 1]]

    def select(self, rows: np.ndarray) -> None:
        self.last = self.last[rows]


def gru_model(timelines: list[list[int]], prefixes: list[list[int]], seconds: float) -> object:
    """A tiny GRU trained for ``seconds`` on next-token prediction (torch)."""
    import torch

    torch.manual_seed(0)
    embed, cell, head = torch.nn.Embedding(V, 16), torch.nn.GRU(16, 32, batch_first=True), torch.nn.Linear(32, V)
    params = [*embed.parameters(), *cell.parameters(), *head.parameters()]
    optimiser = torch.optim.Adam(params, lr=3e-3)
    length = max(len(s) for s in timelines)
    data = torch.full((len(timelines), length), -1, dtype=torch.long)
    for i, s in enumerate(timelines):
        data[i, : len(s)] = torch.tensor(s)
    began, epochs = time.perf_counter(), 0
    while time.perf_counter() - began < seconds:
        for batch in torch.randperm(len(timelines)).split(256):
            x, y = data[batch, :-1], data[batch, 1:]
            out, _ = cell(embed(x.clamp(min=0)))
            loss = torch.nn.functional.cross_entropy(head(out).reshape(-1, V), y.reshape(-1), ignore_index=-1)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        epochs += 1
    print(f"trained a GRU for {epochs} epochs ({time.perf_counter() - began:.0f} s), last loss {loss.item():.3f}")

    class GRU:
        @torch.no_grad()
        def start(self, contexts):
            seqs = torch.tensor([prefixes[c] for c in contexts], dtype=torch.long)
            out, self.h = cell(embed(seqs))
            return torch.softmax(head(out[:, -1]), dim=-1)  # read by riskcore through DLPack

        @torch.no_grad()
        def step(self, tokens):
            out, self.h = cell(embed(torch.as_tensor(tokens)[:, None]), self.h)
            return torch.softmax(head(out[:, -1]), dim=-1)

        def select(self, rows):
            self.h = self.h[:, torch.as_tensor(rows)]

    return GRU()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="GRU training time (torch only)")
    parser.add_argument("--trajectories", type=int, default=2000, help="trajectories per patient and pool")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    train = synthetic_timelines(3000, rng)
    prefixes = [s[:6] for s in synthetic_timelines(4, rng, max_len=6)]  # four new patients, first events
    try:
        model = gru_model(train, prefixes, args.seconds)
        name = "GRU (torch)"
    except ImportError:
        model = TrigramModel(train, prefixes)
        name = "trigram model (NumPy fallback: torch is not installed)"
    began = time.perf_counter()
    result = mc.simulate_sequence_risk(
        model,
        np.arange(len(prefixes)),
        outcome_tokens=[[ICU], [DEATH]],
        end_tokens=[DEATH, DISCHARGE],
        max_new_tokens=200,
        n_trajectories=args.trajectories,
        token_durations=DURATIONS,
        horizons=[7.0, 30.0],
        histories=prefixes,
        coupled=True,
        seed=1,
    )
    print(f"{name}: {result.steps:,} model rows stepped in {time.perf_counter() - began:.1f} s")
    for p, prefix in enumerate(prefixes):
        print(f"\npatient {p}, history {' '.join(TOKENS[t] for t in prefix)}")
        for k, outcome in enumerate(("ICU", "death")):
            for j, days in enumerate((7, 30)):
                cells = []
                for kind in mc.KINDS:
                    e = getattr(result, kind)[p, k, j]
                    if np.isnan(e.estimate):
                        cells.append(f"{kind.upper()} excluded (already in the history)")
                        continue
                    worth = "" if e.efficiency is None else f" x{float(e.efficiency):.1f}"
                    if e.efficiency_low is not None:
                        worth += f" [{float(e.efficiency_low):.1f}, {float(e.efficiency_high):.1f}]"
                    cells.append(
                        f"{kind.upper()} {float(e.estimate):.4f} [{float(e.ci_low):.4f}, {float(e.ci_high):.4f}]{worth}"
                    )
                print(f"  {outcome:5s} within {days:2d} days: " + "   ".join(cells))
    print("\n(xN [low, high]: the MC samples each SCOPE / REACH sample is worth, with its interval; all at 95%)")


if __name__ == "__main__":
    main()
