r"""Built-in samplers on the counter-based generator (Philox4x64-10, key (seed, stream)): the same numbers
on every backend and thread count.

- :func:`standard_normals`, :func:`standard_uniforms`: the raw streams;
- :func:`gaussian_tail_is`: P(a^T Z > t) with the optimal mean shift (the dominating point);
- :func:`cross_entropy_is`: adaptive Gaussian proposal for a user event (Rubinstein & Kroese).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _validate
from riskcore._backend import implementation, on_gpu, resolve
from riskcore._validate import namespace
from riskcore.tail import _sums
from riskcore.tail.estimators import TailEstimate, _estimate, is_estimate

__all__ = ["CrossEntropyResult", "cross_entropy_is", "gaussian_tail_is", "standard_normals", "standard_uniforms"]

_MAX_DRAWS = 2**31  # normals materialised per call: 16 GiB of float64
_MAX_SAMPLES = 10**12  # weighted samples drawn in the kernel per call: about a day on 2 cores


def _draw_args(n: int, seed: int, stream: int) -> tuple[int, int, int]:
    """(n, seed, stream) of a raw stream, checked."""
    seed, stream = _validate.seed(seed), _validate.seed(stream, "stream")
    n = _validate.integer(n, "n", low=0)
    _validate.limit("n", n, _MAX_DRAWS, "draw in several calls with different streams", memory=True)
    return n, seed, stream


def _words(n: int, seed: int, stream: int, backend: str) -> np.ndarray:
    """Philox blocks 0 .. ceil(n/4)-1 under key (seed, stream), as (blocks, 4) uint64."""
    from riskcore.random import philox4x64

    n, seed, stream = _draw_args(n, seed, stream)
    name = resolve(backend)
    blocks = -(-n // 4)
    counters = np.zeros((blocks, 4), dtype=np.uint64)
    counters[:, 0] = np.arange(blocks, dtype=np.uint64)
    key = np.array([seed, stream], dtype=np.uint64)
    return philox4x64(counters, key, backend="cpu" if name == "cuda" else name)  # host draws for host arrays


def standard_uniforms(
    n: int, seed: int, *, stream: int = 0, backend: str = "auto", like: Any = None
) -> np.ndarray | Any:
    """n uniforms in [0, 1) from the top 53 bits of the Philox words (block b gives draws 4b .. 4b + 3),
    key (seed, stream), counter (b, 0, 0, 0).

    ``like`` picks where the result lives, as for :func:`standard_normals`: a NumPy array drawn on the
    host by default, a CuPy array drawn on the device for a device ``like`` (the same doubles exactly).

    >>> standard_uniforms(2, seed=1).shape
    (2,)
    """
    if on_gpu(like):
        return implementation("standard_uniforms", resolve(backend, like))(*_draw_args(n, seed, stream))
    words = _words(n, seed, stream, backend)
    return ((words >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)).reshape(-1)[:n]


def _host(backend: str) -> str:
    """The host implementation to use: numba, or cpu (also for cuda: host arrays come back)."""
    return "numba" if resolve(backend) == "numba" else "cpu"


def standard_normals(
    n: int, seed: int, *, stream: int = 0, backend: str = "auto", like: Any = None
) -> np.ndarray | Any:
    r"""n standard normals from Philox4x64-10 (key (seed, stream), counter (block, 0, 0, 0)): each block's
    four words give two Box-Muller pairs, :math:`\sqrt{-2\log(1-u_1)}\,(\cos, \sin)(2\pi u_2)`, computed
    in the kernel (kernels/tail_sampler.hpp): identical on the cpu and numba backends for one seed.

    ``like`` picks where the result lives, as NumPy's ``like=``: by default (or a host array) a NumPy
    array, drawn on the host (also for ``backend="cuda"``); a device array (CuPy, or anything with
    ``__cuda_array_interface__``) gives a CuPy array drawn on the device by the same transform of the same
    Philox words (on a GPU CUDA's log, within 1 ulp, and FMA contraction: a few ulp from the host draws;
    equal under emulation).

    >>> standard_normals(3, seed=1).shape
    (3,)
    """
    n, seed, stream = _draw_args(n, seed, stream)
    if on_gpu(like):
        return implementation("standard_normals", resolve(backend, like))(n, seed, stream)
    return np.asarray(implementation("standard_normals", _host(backend))(n, seed, stream))


_MAX_SHIFT = 1e150


def gaussian_tail_is(
    a: ArrayLike, threshold: float, n: int, seed: int, *, confidence: float = 0.95, backend: str = "auto"
) -> TailEstimate:
    r"""P(a^T Z > t), Z ~ N(0, I), by importance sampling with the optimal mean shift: the dominating
    point :math:`\mu^* = t\,a / \lVert a\rVert^2`. Only the projection :math:`S = a^T Z/\lVert a\rVert`
    matters, so samples are :math:`S = c + \varepsilon`, :math:`c = t / \lVert a \rVert`, with weights
    :math:`\exp(-c S + c^2/2)` (exact: :math:`\bar\Phi(c)`). The kernel draws :math:`\varepsilon`
    (Philox + Box-Muller), weighs and sums in one pass: nothing of size n is materialised (on cuda
    only k-hat's candidate slots, one double per sample of device scratch).

    >>> r = gaussian_tail_is(np.ones(20), 20.0, 1000, seed=0)              # 3.8721e-6
    >>> bool(abs(r.estimate - 3.8721e-6) < 4 * r.se)
    True
    """
    a = _validate.real_array(a, "a", ndim=(0, 1), nonempty=True, allow_nan=False, allow_inf=False)
    a = np.abs(np.atleast_1d(a).astype(np.float64))
    largest = float(a.max())
    norm = largest * float(np.linalg.norm(a / largest)) if largest > 0 else 0.0  # scaled: no under/overflow
    if norm == 0 or not math.isfinite(norm):
        raise ValueError(f"a must be a non-zero vector of finite norm, got norm {norm}")
    c = _validate.real(threshold, "threshold") / norm
    if abs(c) > _MAX_SHIFT:  # c^2 / 2 overflows: every log-weight would be -inf
        answer = "0" if c > 0 else "1"
        raise ValueError(
            f"threshold / ||a|| must be at most {_MAX_SHIFT:g} in absolute value, got {c:g} (the probability "
            f"is {answer} to float64 precision from |threshold / ||a||| ~ 40 on)"
        )
    n = _validate.integer(n, "n", low=1)
    _validate.limit("n", n, _MAX_SAMPLES, "average the estimates of independent calls with different seeds")
    seed = _validate.seed(seed)
    confidence = _validate.probability(confidence, "confidence")
    kernel = implementation("gaussian_shift_sums", resolve(backend))  # cuda: drawn and summed on the device
    output = kernel(c, n, seed, 0, _sums.KHAT_EVENT, _sums.khat_keep(n))
    s = _sums.from_kernel(output, (n,), (), None, ("log_p", "log_q"), _sums.EVENT_SCORE)
    return _estimate(s, confidence, self_normalised=False)


@dataclass(frozen=True)
class CrossEntropyResult:
    """Final-stage estimate of the cross-entropy method, with the path that led to it. ``converged`` is
    False when the levels never reached the threshold within ``max_stages`` (the estimate then comes
    from a proposal fitted to ``levels[-1]`` and is likely far too small or noisy: see ``messages``)."""

    estimate: TailEstimate
    levels: list[float]  # the elite level gamma of each stage
    mean: np.ndarray  # final proposal N(mean, diag(sd^2))
    sd: np.ndarray
    converged: bool
    messages: tuple[str, ...] = ()


def cross_entropy_is(
    score: Callable[[np.ndarray], np.ndarray],
    dim: int,
    threshold: float,
    n: int,
    seed: int,
    *,
    rho: float = 0.1,
    max_stages: int = 50,
    final_n: int | None = None,
    fit_sd: bool = False,
    confidence: float = 0.95,
    backend: str = "auto",
    like: Any = None,
) -> CrossEntropyResult:
    r"""P(score(Z) >= t), Z ~ N(0, I_dim), by the cross-entropy method (Rubinstein & Kroese):
    proposals N(mu, diag(sd^2)); each stage draws n points, sets the level
    :math:`\gamma = \min(t, (1-\rho)\text{-quantile of the scores})` and refits mu, sd to the elite
    points :math:`\{s \ge \gamma\}` with likelihood-ratio weights; once :math:`\gamma = t`, a final
    stage of ``final_n`` (default n) fresh points gives the importance-sampling estimate. If the
    threshold is not reached within ``max_stages``, the result says so (``converged=False``, a warning
    naming the level reached).

    By default only the mean adapts (sd stays 1): refitting the sd to the elite points shrinks it
    below 1 (to ~0.2 for P(Z > 4)), and a proposal lighter-tailed than the target gives weights of
    unbounded variance. ``fit_sd=True`` refits it anyway (as in the textbook method).

    ``score`` maps an (n, dim) float64 array to n scores: a NumPy function or a Numba-compiled one.
    With a device array as ``like`` (see :func:`standard_normals`) every stage runs on the device: the
    points are CuPy arrays drawn there, ``score`` gets them and returns device scores (a GPU model, say),
    the quantile, the refit and the final importance-sampling pass stay on the device; the result (its
    estimate, mean and sd) is on the host.

    >>> r = cross_entropy_is(lambda x: x.sum(axis=1), dim=2, threshold=6.0, n=2000, seed=3)
    >>> bool(abs(r.estimate.estimate - 1.0393e-5) < 4 * r.estimate.se), r.converged     # P(N(0, 2) > 6)
    (True, True)
    """
    if not callable(score):
        raise TypeError(f"score must be callable (an (n, dim) array -> n scores), got {type(score).__name__}")
    rho = _validate.probability(rho, "rho")
    dim = _validate.integer(dim, "dim", low=1)
    n = _validate.integer(n, "n", low=2)
    max_stages = _validate.integer(max_stages, "max_stages", low=1)
    final_n = n if final_n is None else _validate.integer(final_n, "final_n", low=1)
    threshold = _validate.real(threshold, "threshold")
    seed = _validate.seed(seed)
    _validate.limit("n * dim", max(n, final_n) * dim, _MAX_DRAWS, "use fewer samples per stage", memory=True)
    xp = namespace(like)
    mean, sd = xp.zeros(dim), xp.ones(dim)

    def draw(count: int, stream: int) -> tuple[Any, Any, Any]:
        z = standard_normals(count * dim, seed, stream=stream, backend=backend, like=like).reshape(count, dim)
        x = mean + sd * z
        s = xp.asarray(score(x), dtype=xp.float64).reshape(-1)
        if s.shape != (count,) or bool(xp.isnan(s).any()):
            raise ValueError(f"score must return {count} scores without NaN, got shape {s.shape}")
        log_p = -0.5 * (x * x).sum(axis=1)
        log_q = -0.5 * (((x - mean) / sd) ** 2).sum(axis=1) - xp.log(sd).sum()
        return x, s, log_p - log_q

    levels: list[float] = []
    for stage in range(max_stages):
        x, s, lw = draw(n, stage + 1)
        gamma = min(threshold, float(xp.quantile(s, 1 - rho)))
        levels.append(gamma)
        elite = s >= gamma
        w = xp.exp(lw[elite] - lw[elite].max())
        mean = (w[:, None] * x[elite]).sum(axis=0) / w.sum()
        if fit_sd:
            sd = xp.maximum(xp.sqrt((w[:, None] * (x[elite] - mean) ** 2).sum(axis=0) / w.sum()), 1e-12)
        if gamma >= threshold:
            break
    converged = levels[-1] >= threshold
    messages: tuple[str, ...] = ()
    if not converged:
        messages = (
            f"the threshold {threshold:g} was never reached: after {len(levels)} stages the level is "
            f"{levels[-1]:.4g} (first {levels[0]:.4g}); the estimate comes from a proposal fitted to that level "
            "and is unreliable. Raise max_stages or n, lower rho, or give a proposal closer to the event",
        )
        warnings.warn(messages[0], RuntimeWarning, stacklevel=2)
    x, s, lw = draw(final_n, 0)
    estimate = is_estimate(lw, 0.0, score=s, threshold=threshold, confidence=confidence, backend=backend)
    if xp is not np:
        mean, sd = mean.get(), sd.get()
    return CrossEntropyResult(estimate, levels, mean, sd, converged, messages)
