r"""Sequence log-probabilities for importance sampling over generated text (or any token sequence).

The likelihood of a response :math:`y_{1:T}` that ends with the end-of-sequence token is
:math:`\log p(y) = \sum_{t=1}^{T} \log p(y_t \mid y_{<t})`, the last term being the end token's. Dropping
that factor is a common mistake: it replaces the probability of *this response* by the probability of
*a response starting this way*, and when target and proposal end sequences at different rates the
importance weights are off by the ratio of the two end factors (estimates shift by 6-50% in the toy
language-model study). :func:`sequence_log_prob` sums the factors and warns when a sequence does not end
with the end token.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _validate

__all__ = ["sequence_log_prob"]


def sequence_log_prob(
    token_log_probs: ArrayLike, tokens: ArrayLike, eos_id: int, *, lengths: ArrayLike | None = None
) -> np.ndarray:
    r""":math:`\log p(y) = \sum_{t < T} \log p(y_t \mid y_{<t})` per sequence, the end-of-sequence token's
    factor included; a RuntimeWarning names the sequences whose last token is not ``eos_id`` (truncated,
    or the end factor was dropped).

    Parameters
    ----------
    token_log_probs : array_like, shape (n, L) -- log-probability of each generated token, in [-inf, 0]
    tokens : array_like of ints, shape (n, L) -- the token ids (to check the end token)
    eos_id : int -- the end-of-sequence token id
    lengths : ints (n,) in [1, L], optional -- sequence lengths (end token included); entries past a
        sequence's length are padding and are not read. Default: every sequence has length L.

    Returns
    -------
    ndarray (n,) of float64

    >>> lp = np.log([[0.5, 0.2, 0.9], [0.5, 0.9, np.nan]])  # second sequence: 2 tokens + padding
    >>> toks = np.array([[4, 7, 0], [4, 0, 9]])             # eos_id = 0
    >>> np.round(np.exp(sequence_log_prob(lp, toks, 0, lengths=[3, 2])), 6)
    array([0.09, 0.45])
    """
    with np.errstate(divide="ignore"):
        lp = _validate.real_array(token_log_probs, "token_log_probs", ndim=2)
    tok = _validate.real_array(tokens, "tokens", ndim=2)
    if tok.dtype.kind not in "iu":
        raise TypeError(f"tokens must be integer ids, got {tok.dtype}")
    if tok.shape != lp.shape:
        raise ValueError(f"tokens has shape {tok.shape} but token_log_probs has {lp.shape}")
    eos_id = _validate.integer(eos_id, "eos_id", low=None)
    n, width = lp.shape
    if lengths is None:
        length = np.full(n, width, dtype=np.int64)
    else:
        length = _validate.real_array(lengths, "lengths", ndim=1, low=1, high=max(width, 1))
        if length.dtype.kind not in "iu" or length.shape != (n,):
            raise ValueError(f"lengths must be {n} integers in 1..{width}, got {length.dtype} of shape {length.shape}")
    inside = np.arange(width)[None, :] < length[:, None]
    values = np.where(inside, lp, 0.0)
    bad = inside & ~((values <= 0) | np.isneginf(values))  # NaN, +inf or a positive log-probability
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"token_log_probs must be in [-inf, 0], got {lp[first]} at index {first}")
    last = tok[np.arange(n), length - 1] if n else np.zeros(0, dtype=tok.dtype)
    missing = np.flatnonzero(last != eos_id)
    if missing.size:
        warnings.warn(
            f"{missing.size} of {n} sequences do not end with the end-of-sequence token {eos_id} (first: "
            f"{missing[:5].tolist()}): their log-probabilities miss the end factor, which biases importance "
            "weights when target and proposal end sequences at different rates; score the end token too",
            RuntimeWarning,
            stacklevel=2,
        )
    return values.sum(axis=1, dtype=np.float64)
