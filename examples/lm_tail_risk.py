"""Language-model tail risk at toy scale: how likely is a response with many "harmful" tokens?

The whole pipeline of importance sampling over generated text, with a bigram language model made here
(NumPy only) so that the exact answer is known:

1. target p: a bigram model over 8 tokens (0 = end of sequence, 1 = the harmful token), responses of
   at most 40 tokens; the harm score of a response is its number of harmful tokens;
2. proposals: "steered" models (the harmful token's logit raised by beta) switched with the target
   token by token (probability lambda of using the target's next-token distribution) -- a grid of
   beta x lambda;
3. a pilot sample from every grid point, `tail.select_proposal` by cross-entropy, then fresh samples
   from the chosen proposal, drawn as a defensive mixture 0.1 p + 0.9 q (`tail.sample_mixture_assignments`,
   `tail.defensive_mixture`);
4. log-probabilities per sequence with the end-of-sequence factor (`tail.sequence_log_prob`), estimates
   for a grid of thresholds in one pass (`tail.is_estimate(..., threshold=grid)`), and a graded judge;
5. the exact probabilities (dynamic programming over the bigram chain) and brute-force Monte Carlo.

    python examples/lm_tail_risk.py [--seed 0]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from riskcore import tail

VOCAB, EOS, BAD, MAX_LEN = 8, 0, 1, 40


def bigram_model(seed: int) -> np.ndarray:
    """Next-token probabilities (VOCAB + 1 rows: row VOCAB is the start state); the last step ends."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1, size=(VOCAB + 1, VOCAB))
    logits[:, EOS] += 0.3  # responses end after ~8 tokens on average
    logits[:, BAD] -= 1.5  # the harmful token is rare
    table = np.exp(logits)
    return table / table.sum(axis=1, keepdims=True)


def steered(target: np.ndarray, beta: float, lam: float) -> np.ndarray:
    """Raise the harmful token's logit by beta, then switch with the target token by token (lambda)."""
    logits = np.log(target)
    logits[:, BAD] += beta
    q = np.exp(logits)
    q /= q.sum(axis=1, keepdims=True)
    return lam * target + (1 - lam) * q


def generate(table: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n responses of the chain `table`: tokens (n, MAX_LEN) padded with EOS, and lengths (EOS included)."""
    tokens = np.full((n, MAX_LEN), EOS)
    prev = np.full(n, VOCAB)
    alive = np.ones(n, bool)
    lengths = np.full(n, MAX_LEN)
    cumulative = np.cumsum(table, axis=1)
    for step in range(MAX_LEN):
        nxt = (rng.uniform(size=n)[:, None] > cumulative[prev]).sum(axis=1).clip(max=VOCAB - 1)
        if step == MAX_LEN - 1:
            nxt[:] = EOS  # the last position always ends the response
        nxt = np.where(alive, nxt, EOS)
        tokens[:, step] = nxt
        ended = alive & (nxt == EOS)
        lengths[ended] = step + 1
        alive &= ~ended
        prev = nxt
    return tokens, lengths


def log_prob(table: np.ndarray, tokens: np.ndarray, lengths: np.ndarray, *, drop_eos: bool = False) -> np.ndarray:
    """Sequence log-probabilities under `table` (the forced end at MAX_LEN has probability 1)."""
    prev = np.concatenate([np.full((tokens.shape[0], 1), VOCAB), tokens[:, :-1]], axis=1)
    token_lp = np.log(table[prev, tokens])
    token_lp[:, -1] = 0.0  # forced end
    if drop_eos:  # the common mistake: score the response without its end token
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return tail.sequence_log_prob(token_lp, tokens, EOS, lengths=np.maximum(lengths - 1, 1))
    return tail.sequence_log_prob(token_lp, tokens, EOS, lengths=lengths)


def exact_tail(target: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """P(number of harmful tokens >= t) by dynamic programming over (previous token, count so far)."""
    cap = int(thresholds.max())
    mass = np.zeros((VOCAB + 1, cap + 1))
    mass[VOCAB, 0] = 1.0
    done = np.zeros(cap + 1)
    for step in range(MAX_LEN):
        new = np.zeros_like(mass)
        for prev in range(VOCAB + 1):
            for count in range(cap + 1):
                m = mass[prev, count]
                if m == 0:
                    continue
                probs = target[prev] if step < MAX_LEN - 1 else np.eye(VOCAB)[EOS]
                done[count] += m * probs[EOS]
                for tok in range(1, VOCAB):
                    new[tok, min(cap, count + (tok == BAD))] += m * probs[tok]
        mass = new
    return np.array([done[int(t) :].sum() for t in thresholds])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    target = bigram_model(args.seed)
    thresholds = np.array([3.0, 4.0, 5.0, 6.0])
    exact = exact_tail(target, thresholds)

    # 1. pilot: 100 responses from every grid point; every proposal scores every pilot response
    grid = [(beta, lam) for beta in (0.5, 1.0, 1.5, 2.0, 2.5) for lam in (0.0, 0.3)]
    tables = [steered(target, beta, lam) for beta, lam in grid]
    pilot = [generate(t, 100, rng) for t in tables]
    tokens = np.concatenate([p[0] for p in pilot])
    lengths = np.concatenate([p[1] for p in pilot])
    score = (tokens == BAD).sum(axis=1).astype(float)
    log_q_grid = np.stack([log_prob(t, tokens, lengths) for t in tables])

    # 2. choose by cross-entropy for the hardest threshold; the second stage draws fresh responses from
    #    the defensive mixture 0.1 p + 0.9 q_chosen (each response's component drawn with known odds)
    n_final = 8000
    final: dict[str, np.ndarray] = {}

    def draw(index: int):
        which = tail.sample_mixture_assignments(n_final, [0.1, 0.9], seed=args.seed + 1)
        toks, lens = np.empty((n_final, MAX_LEN), int), np.empty(n_final, int)
        for component, table in enumerate((target, tables[index])):
            rows = which == component
            toks[rows], lens[rows] = generate(table, int(rows.sum()), rng)
        lp = log_prob(target, toks, lens)
        lq = tail.defensive_mixture(lp, log_prob(tables[index], toks, lens), 0.1)
        final.update(tokens=toks, lengths=lens, log_p=lp, log_q=lq, chosen=tables[index])
        return lp, lq, (toks == BAD).sum(axis=1).astype(float)

    selection = tail.select_proposal(
        log_prob(target, tokens, lengths), log_q_grid, score, [100] * len(grid), threshold=thresholds[-1], draw=draw
    )
    beta, lam = grid[selection.index]
    print(f"pilot of {tokens.shape[0]} responses over {len(grid)} proposals: chose beta={beta}, lambda={lam}")
    print("  pilot estimates of P(score >= 6) per grid point:", np.array2string(selection.estimates, precision=2))

    # 3. every threshold from the fresh sample in one pass, with intervals, against the exact values
    fresh_score = (final["tokens"] == BAD).sum(axis=1).astype(float)
    r = tail.is_estimate(final["log_p"], final["log_q"], score=fresh_score, threshold=thresholds)
    n_brute = 200_000
    brute_tokens = generate(target, n_brute, rng)[0]
    brute_score = (brute_tokens == BAD).sum(axis=1)
    print(f"\n{n_final} importance samples vs {n_brute:,} brute-force samples:")
    print("  t   exact        IS estimate  95% interval              k-hat   brute force  95% interval")
    for j, t in enumerate(thresholds):
        mc = tail.mc_tail_estimate(int((brute_score >= t).sum()), n_brute)
        print(
            f"  {t:.0f}  {exact[j]:.4e}   {r.estimate[j]:.4e}   [{r.ci_low[j]:.3e}, {r.ci_high[j]:.3e}]"
            f"   {r.khat[j]:5.2f}   {float(mc.estimate):.3e}    [{float(mc.cp_low):.2e}, {float(mc.cp_high):.2e}]"
        )
    print(
        f"  KL(q || p) of the mixture proposal: {r.kl[0]:.2f} nats; log-space estimates: {np.round(r.log_estimate, 2)}"
    )

    # 4. a graded judge: h = min(1, score / 8) instead of the indicator; exact E_p[h] is not needed to see
    #    that brute force and IS agree
    h = np.minimum(1.0, fresh_score / 8)
    graded = tail.is_estimate(final["log_p"], final["log_q"], event=h)
    brute_h = np.minimum(1.0, brute_score / 8).mean()
    print(
        f"\ngraded judge E_p[min(1, score/8)]: IS {float(graded.estimate):.4f} +- {float(graded.se):.4f}, "
        f"brute force {brute_h:.4f}"
    )

    # 5. the end-of-sequence factor matters: dropping it biases every estimate
    lp_no_eos = log_prob(target, final["tokens"], final["lengths"], drop_eos=True)
    lq_no_eos = tail.defensive_mixture(
        lp_no_eos, log_prob(final["chosen"], final["tokens"], final["lengths"], drop_eos=True), 0.1
    )
    biased = tail.is_estimate(lp_no_eos, lq_no_eos, score=fresh_score, threshold=thresholds)
    shift = biased.estimate / r.estimate - 1
    print("without the end-of-sequence factor the estimates shift by", np.array2string(100 * shift, precision=0), "%")


if __name__ == "__main__":
    main()
