"""simulate_sequence_risk with the model in the loop: a Markov chain and a random trigram with time
tokens as models, exact risks per horizon by dynamic programming (tests/sequence_models.py) as the
oracles; unbiasedness and coverage over seeded runs, REACH below MC, invariance to batch_size, thread
count and backend, the protocol's edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from chains import WORKED
from sequence_models import DURATIONS, END, HISTORIES, ChainModel, TrigramModel, trigram_exact, trigram_table

import riskcore
from riskcore import mc
from riskcore.mc import sequence

TABLE = trigram_table()
HORIZONS = [1.0, 2.5, 4.0]
OUTCOMES = [[3], [4]]
BUDGET = 12


def trigram_run(n, seed, model=None, **kwargs):
    return mc.simulate_sequence_risk(
        model or TrigramModel(TABLE),
        [0, 1, 2],
        outcome_tokens=OUTCOMES,
        end_tokens=END,
        max_new_tokens=BUDGET,
        n_trajectories=n,
        token_durations=DURATIONS,
        horizons=HORIZONS,
        seed=seed,
        histories=HISTORIES,
        **kwargs,
    )


def trigram_oracle():
    return np.array([[trigram_exact(TABLE, c, o, HORIZONS, BUDGET) for o in OUTCOMES] for c in range(3)])


def replicate(runs, n, coupled, backend="cpu"):
    """Estimates, lower and upper bounds (runs, 3 estimators, C, K, H) and the oracle."""
    exact = trigram_oracle()
    out = np.zeros((3, runs, 3, *exact.shape))
    for r in range(runs):
        if backend == "cuda":  # device rows: the cuda step kernel
            model = DeviceRows(TrigramModel(TABLE), cuda_or_skip())
            res = trigram_run(n, 1000 + r, model, coupled=coupled)
        else:
            res = trigram_run(n, 1000 + r, coupled=coupled, backend=backend)
        for j, e in enumerate((res.mc, res.scope, res.reach)):
            out[:, r, j] = e.estimate, e.ci_low, e.ci_high
    return out, exact


def check_statistics(out, exact, coverage_band, per_cell_band):
    est, low, high = out
    # context 2's history already holds outcome 3: excluded (NaN)
    valid = np.broadcast_to(np.array([[True] * 2, [True] * 2, [False, True]])[:, :, None], exact.shape)
    runs = est.shape[0]
    for j, kind in enumerate(mc.KINDS):
        e = est[:, j][:, valid]
        bias = e.mean(axis=0) - exact[valid]
        se = e.std(axis=0, ddof=1) / np.sqrt(runs)
        assert (np.abs(bias) < 4 * se).all(), (kind, bias / se)
        covered = (low[:, j][:, valid] <= exact[valid]) & (exact[valid] <= high[:, j][:, valid])
        pooled = covered.mean()
        assert coverage_band[0] <= pooled <= coverage_band[1], (kind, pooled)
        cells = covered.mean(axis=0)
        assert ((cells >= per_cell_band[0]) & (cells <= per_cell_band[1])).all(), (kind, cells)
        assert np.isnan(est[:, j][:, ~valid]).all()


@pytest.mark.parametrize("coupled", [False, True])
def test_unbiased_and_covering_fast(coupled):
    out, exact = replicate(60, 300, coupled)
    check_statistics(out, exact, (0.90, 0.99), (0.8, 1.0))


@pytest.mark.parametrize("coupled", [False, True])
def test_cuda_unbiased_and_covering_fast(coupled):
    out, exact = replicate(60, 300, coupled, "cuda")
    check_statistics(out, exact, (0.90, 0.99), (0.8, 1.0))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["cpu", "numba", "cuda"])
@pytest.mark.parametrize("coupled", [False, True])
def test_unbiased_and_covering_500_runs(coupled, backend):
    out, exact = replicate(500, 300, coupled, backend)
    check_statistics(out, exact, (0.93, 0.97), (0.90, 0.99))


def test_reach_se_below_mc_and_efficiency():
    r = trigram_run(20_000, 5)
    valid = ~np.isnan(r.mc.estimate)
    assert (r.reach.se[valid] < r.mc.se[valid]).all()
    np.testing.assert_allclose(r.reach.efficiency[valid], (r.mc.variance / r.reach.variance)[valid])
    assert r.reach.estimate.shape == (3, 2, 3) and r.reach[0, 1].estimate.shape == (3,)
    exact = trigram_oracle()
    for e in (r.mc, r.scope, r.reach):
        assert (np.abs(e.estimate - exact)[valid] < 4.5 * e.se[valid]).all(), e.kind


def test_chain_model_matches_the_exact_chain_risk(backend):
    exact = mc.exact_outcome_risk(WORKED, 0, [3], [4], horizon=20)
    r = mc.simulate_sequence_risk(
        ChainModel(WORKED),
        0,
        outcome_tokens=3,
        end_tokens=4,
        max_new_tokens=20,
        n_trajectories=20_000,
        seed=2,
        backend=backend,
    )
    for e in (r.mc, r.scope, r.reach):
        assert e.estimate.shape == ()
        assert abs(e.estimate - exact) < 4 * e.se, e.kind
    assert r.reach.efficiency == pytest.approx(2.4, abs=0.3)
    # step horizons without durations: one time unit per token, horizon h = the first h steps
    steps = mc.simulate_sequence_risk(
        ChainModel(WORKED),
        0,
        outcome_tokens=3,
        end_tokens=4,
        max_new_tokens=20,
        n_trajectories=20_000,
        seed=2,
        horizons=[5, 10, 20],
        backend=backend,
    )
    for j, h in enumerate((5, 10, 20)):
        truth = mc.exact_outcome_risk(WORKED, 0, [3], [4], horizon=h)
        assert abs(steps.reach.estimate[j] - truth) < 4 * steps.reach.se[j]
    np.testing.assert_array_equal(steps.mc.estimate[2], r.mc.estimate)  # same trajectories, same seed


def test_identical_for_any_batch_size_thread_count_and_backend():
    base = trigram_run(3000, 9, coupled=True, batch_size=4096)
    runs = [trigram_run(3000, 9, coupled=True, batch_size=b) for b in (1000, 333)]
    previous = riskcore.get_num_threads()
    try:
        riskcore.set_num_threads(1)
        runs.append(trigram_run(3000, 9, coupled=True))
    finally:
        riskcore.set_num_threads(previous)
    runs.append(trigram_run(3000, 9, coupled=True, backend="numba"))
    for run in runs:
        for kind in mc.KINDS:
            np.testing.assert_array_equal(getattr(run, kind).estimate, getattr(base, kind).estimate)
            np.testing.assert_array_equal(getattr(run, kind).variance, getattr(base, kind).variance)
    tiny = trigram_run(40, 9, batch_size=1)
    np.testing.assert_array_equal(tiny.reach.estimate, trigram_run(40, 9, batch_size=64).reach.estimate)


def test_shards_merge_exactly_and_not_twice():
    whole = trigram_run(5000, 4)
    a = trigram_run(2048, 4)
    b = trigram_run(5000 - 2048, 4, first_trajectory=2048)
    merged = a.merge(b)
    for kind in mc.KINDS:
        np.testing.assert_array_equal(getattr(merged, kind).n, getattr(whole, kind).n)
        np.testing.assert_allclose(getattr(merged, kind).estimate, getattr(whole, kind).estimate, rtol=1e-12)
    with pytest.raises(ValueError, match="overlapping"):
        merged.merge(a)


def test_history_holding_the_outcome_is_excluded():
    r = trigram_run(500, 1)
    assert np.isnan(r.mc.estimate[2, 0]).all() and (r.reach.n[2, 0] == 0).all()
    assert (r.reach.n[2, 1] == 500).all() and not np.isnan(r.reach.estimate[2, 1]).any()


@pytest.mark.parametrize("variant", ["float32", "logits"])
def test_float32_and_logits(variant):
    model = ChainModel(WORKED, dtype=np.float32) if variant == "float32" else ChainModel(WORKED, logits=True)
    kwargs = {"logits": True} if variant == "logits" else {}
    r = mc.simulate_sequence_risk(
        model, 0, outcome_tokens=3, end_tokens=4, max_new_tokens=20, n_trajectories=20_000, seed=3, **kwargs
    )
    exact = mc.exact_outcome_risk(WORKED, 0, [3], [4], horizon=20)
    for e in (r.mc, r.scope, r.reach):
        assert abs(e.estimate - exact) < 4 * e.se


def test_driver_memory_is_per_batch():
    model = ChainModel(WORKED)
    mc.simulate_sequence_risk(
        model, 0, outcome_tokens=3, end_tokens=4, max_new_tokens=20, n_trajectories=5000, seed=0, batch_size=256
    )
    assert model.state.size <= 256 * 2  # never more live rows than a batch (and its forks)


def test_progress_bar_runs():
    pytest.importorskip("tqdm")
    r = mc.simulate_sequence_risk(
        ChainModel(WORKED), 0, outcome_tokens=3, end_tokens=4, max_new_tokens=5, n_trajectories=100, progress=True
    )
    assert r.mc.n == 100


class Broken(ChainModel):
    def __init__(self, value, shape=None):
        super().__init__(WORKED)
        self.value, self.shape = value, shape

    def start(self, contexts):
        rows = super().start(contexts).copy()
        rows[0, 1] = self.value
        return rows if self.shape is None else rows[:, : self.shape]


@pytest.mark.parametrize(
    "model, kwargs, error, match",
    [
        (Broken(np.nan), {}, ValueError, r"probabilities must be finite and >= 0.*index \(0, 1\)"),
        (Broken(-0.1), {}, ValueError, r"index \(0, 1\)"),
        (Broken(0.1, shape=4), {}, ValueError, "outcome_tokens|end_tokens"),
        (ChainModel(WORKED), {"max_new_tokens": 0}, ValueError, "max_new_tokens"),
        (ChainModel(WORKED), {"n_trajectories": 10**15}, ValueError, "above the limit"),
        (ChainModel(WORKED), {"batch_size": 0}, ValueError, "batch_size"),
        (ChainModel(WORKED), {"seed": -1}, ValueError, "seed"),
        (ChainModel(WORKED), {"horizons": [0.0]}, ValueError, "horizons"),
        (ChainModel(WORKED), {"token_durations": [1.0] * 4}, ValueError, "token_durations"),
        (ChainModel(WORKED), {"token_durations": [-1.0] * 5}, ValueError, "token_durations"),
        (ChainModel(WORKED), {"estimators": ("is",)}, ValueError, "estimators"),
        (ChainModel(WORKED), {"outcome_tokens": 9}, ValueError, "outcome_tokens"),
        (ChainModel(WORKED), {"outcome_tokens": 2.5}, TypeError, "outcome_tokens"),
        (object(), {}, TypeError, "SequenceModel"),
    ],
)
def test_bad_input(model, kwargs, error, match):
    args = {"outcome_tokens": 3, "end_tokens": 4, "max_new_tokens": 5, "n_trajectories": 10}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        mc.simulate_sequence_risk(model, 0, **args)


def test_gru_protocol():
    torch = pytest.importorskip("torch")

    class GRU:
        def __init__(self):
            torch.manual_seed(0)
            self.embed, self.cell = torch.nn.Embedding(5, 8), torch.nn.GRUCell(8, 8)
            self.head = torch.nn.Linear(8, 5)

        @torch.no_grad()
        def _rows(self, tokens):
            self.h = self.cell(self.embed(torch.as_tensor(tokens)), self.h)
            return torch.softmax(self.head(self.h), dim=-1)

        def start(self, contexts):
            self.h = torch.zeros(len(contexts), 8)
            return self._rows(contexts)

        def step(self, tokens):
            return self._rows(tokens)

        def select(self, rows):
            self.h = self.h[torch.as_tensor(rows)]

    r = mc.simulate_sequence_risk(
        GRU(), [0, 1], outcome_tokens=3, end_tokens=4, max_new_tokens=10, n_trajectories=2000, seed=0, coupled=True
    )
    assert r.reach.estimate.shape == (2,) and (r.reach.se < r.mc.se).all()
    assert (np.abs(r.reach.estimate - r.mc.estimate) < 4 * np.hypot(r.mc.se, r.reach.se)).all()


class DeviceRows:
    """Any host model with its rows moved to the GPU (CuPy; the CuPy stand-in under emulation)."""

    def __init__(self, model, cupy):
        self.model, self.cupy = model, cupy

    def start(self, contexts):
        return self.cupy.asarray(self.model.start(contexts))

    def step(self, tokens):
        return self.cupy.asarray(self.model.step(tokens))

    def select(self, rows):
        self.model.select(rows)


class DeviceChain(ChainModel):
    """The chain with its rows on the GPU (CuPy; the CuPy stand-in under the emulated build)."""

    def __init__(self, P, cupy, **kwargs):
        super().__init__(P, **kwargs)
        self.cupy = cupy

    def start(self, contexts):
        return self.cupy.asarray(super().start(contexts))

    def step(self, tokens):
        assert isinstance(tokens, np.ndarray)  # the protocol hands the model host tokens
        return self.cupy.asarray(super().step(tokens))


def cuda_or_skip():
    if not riskcore.backends()["cuda"].available:
        pytest.skip(f"cuda: {riskcore.backends()['cuda'].reason}")
    import cupy

    return cupy


@pytest.mark.parametrize("coupled", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cuda_device_rows_step_on_the_device_and_match_the_cpu(coupled, dtype, monkeypatch):
    cupy = cuda_or_skip()
    from riskcore import _core

    args = dict(outcome_tokens=3, end_tokens=4, max_new_tokens=20, n_trajectories=3000, seed=4, coupled=coupled)
    horizons = dict(horizons=[5.0, 20.0])
    cpu = mc.simulate_sequence_risk(ChainModel(WORKED, dtype=dtype), 0, **args, **horizons, backend="cpu")
    calls = []
    device_step = _core.cuda_sequence_step
    monkeypatch.setattr(_core, "cuda_sequence_step", lambda *a: calls.append(1) or device_step(*a))

    def host_rows_refused(rows):
        raise AssertionError("device rows were copied to the host")

    monkeypatch.setattr(sequence, "_host_rows", host_rows_refused)
    gpu = mc.simulate_sequence_risk(DeviceChain(WORKED, cupy, dtype=dtype), 0, **args, **horizons)
    assert calls, "the cuda step kernel did not run"
    for kind in mc.KINDS:
        np.testing.assert_allclose(getattr(gpu, kind).estimate, getattr(cpu, kind).estimate, rtol=1e-12)
        np.testing.assert_allclose(getattr(gpu, kind).variance, getattr(cpu, kind).variance, rtol=1e-10)
    exact = [mc.exact_outcome_risk(WORKED, 0, [3], [4], horizon=h) for h in (5, 20)]
    assert (np.abs(gpu.reach.estimate - exact) < 4 * gpu.reach.se).all()


def test_cuda_device_rows_logits_and_bad_rows():
    cupy = cuda_or_skip()
    r = mc.simulate_sequence_risk(
        DeviceChain(WORKED, cupy, logits=True), 0, outcome_tokens=3, end_tokens=4, max_new_tokens=20,
        n_trajectories=4000, seed=3, logits=True,
    )  # fmt: skip
    exact = mc.exact_outcome_risk(WORKED, 0, [3], [4], horizon=20)
    for e in (r.mc, r.scope, r.reach):
        assert abs(e.estimate - exact) < 4 * e.se

    class Bad(DeviceChain):
        def start(self, contexts):
            rows = ChainModel.start(self, contexts).copy()
            rows[0, 2] = -0.5
            return self.cupy.asarray(rows)

    with pytest.raises(ValueError, match=r"index \(0, 2\)"):
        mc.simulate_sequence_risk(
            Bad(WORKED, cupy), 0, outcome_tokens=3, end_tokens=4, max_new_tokens=5, n_trajectories=10
        )


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16", "grad"])
def test_torch_rows_equal_numpy_rows(dtype):
    torch = pytest.importorskip("torch")

    class TorchChain(ChainModel):
        def _torch(self, rows):
            t = torch.from_numpy(np.ascontiguousarray(rows))
            if dtype == "bfloat16":
                return t.to(torch.bfloat16)
            return t.requires_grad_(True) * 1.0 if dtype == "grad" else t  # a tensor in an autograd graph

        def start(self, contexts):
            return self._torch(super().start(contexts))

        def step(self, tokens):
            return self._torch(super().step(tokens))

    base = np.float32 if dtype == "float32" else np.float64
    P = WORKED.astype(base)
    if dtype == "bfloat16":  # the same probabilities as torch sees them
        P = torch.from_numpy(WORKED).to(torch.bfloat16).float().numpy().astype(np.float64)
    args = dict(outcome_tokens=3, end_tokens=4, max_new_tokens=20, n_trajectories=2000, seed=8, coupled=True)
    a = mc.simulate_sequence_risk(TorchChain(WORKED.astype(base)), 0, **args)
    b = mc.simulate_sequence_risk(ChainModel(P.astype(np.float32) if dtype == "bfloat16" else P), 0, **args)
    for kind in mc.KINDS:
        np.testing.assert_array_equal(getattr(a, kind).estimate, getattr(b, kind).estimate)


def test_outcome_sets_of_different_sizes_match_single_outcome_runs():
    def run(outcomes):
        return mc.simulate_sequence_risk(
            TrigramModel(TABLE), [0, 1], outcome_tokens=outcomes, end_tokens=END, max_new_tokens=BUDGET,
            n_trajectories=2000, token_durations=DURATIONS, horizons=HORIZONS, seed=11,
        )  # fmt: skip

    both = run([[3], [4, 5]])  # ragged: no single array holds them
    first, second = run([3]), run([4, 5])
    assert both.mc.estimate.shape == (2, 2, 3)
    for kind in mc.KINDS:  # the same trajectories (role 0) and, for outcome 0, the same masked pool (role 1)
        np.testing.assert_array_equal(getattr(both, kind).estimate[:, 0], getattr(first, kind).estimate)
    for kind in ("mc", "scope"):  # outcome 1's masked pool draws with role 2 in the joint run
        np.testing.assert_array_equal(getattr(both, kind).estimate[:, 1], getattr(second, kind).estimate)


def random_chain(states=150, seed=3):
    """A dense random chain whose outcome tokens lie in different 16-token chunks of the row (chunk 0,
    chunk 4 and the partial last chunk): the step kernel's chunked pass, running totals and masked
    re-sums."""
    rng = np.random.default_rng(seed)
    P = rng.gamma(0.5, size=(states, states)) + 1e-3
    P[:, [3, 70, 147]] *= 0.05
    P[:, [5, 149]] *= 0.2
    return P / P.sum(axis=1, keepdims=True)


class FortranRows(ChainModel):
    """The chain's rows in column-major order: the kernel reads them through their strides."""

    def start(self, contexts):
        return np.asfortranarray(super().start(contexts))

    def step(self, tokens):
        return np.asfortranarray(super().step(tokens))


@pytest.mark.parametrize("coupled", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_strided_rows_chunked_outcomes_and_backends_agree(dtype, coupled):
    P = random_chain()
    outcome, end = [3, 70, 147], [5, 149]
    args = dict(outcome_tokens=outcome, end_tokens=end, max_new_tokens=15, n_trajectories=3000, seed=6, coupled=coupled)
    base = mc.simulate_sequence_risk(ChainModel(P, dtype=dtype), [0, 1], backend="cpu", **args)  # contiguous rows
    strided = mc.simulate_sequence_risk(FortranRows(P, dtype=dtype), [0, 1], backend="cpu", **args)
    numba = mc.simulate_sequence_risk(ChainModel(P, dtype=dtype), [0, 1], backend="numba", **args)
    for other in (strided, numba):
        for kind in mc.KINDS:
            np.testing.assert_array_equal(getattr(other, kind).estimate, getattr(base, kind).estimate)
    exact = mc.exact_outcome_risk(P, [0, 1], outcome, end, horizon=15)
    for e in (base.mc, base.scope, base.reach):
        assert (np.abs(e.estimate - exact) < 4 * e.se).all(), (e.kind, e.estimate, exact)
