"""riskcore.dask.simulate_sequence_risk on a LocalCluster: the model is built on each worker from a
factory, contexts x trajectory ranges merge into the single-machine result."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import sequence_models
from sequence_models import DURATIONS, END, HISTORIES, TrigramModel, trigram_table

from riskcore import mc

rdask = pytest.importorskip("riskcore.dask")
distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

KWARGS = dict(
    outcome_tokens=[[3], [4]],
    end_tokens=END,
    max_new_tokens=12,
    token_durations=DURATIONS,
    horizons=[1.0, 2.5, 4.0],
    seed=7,
    histories=HISTORIES,
    coupled=True,
)


@pytest.fixture(scope="module")
def client():
    cloudpickle.register_pickle_by_value(sequence_models)  # the workers do not see tests/ on their path
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_sharded_sequence_risk_equals_single_machine(client):
    factory = functools.partial(TrigramModel, trigram_table())
    single = mc.simulate_sequence_risk(factory(), [0, 1, 2], n_trajectories=6000, **KWARGS)
    sharded = rdask.simulate_sequence_risk(factory, [0, 1, 2], n_trajectories=6000, shards=4, context_chunk=2, **KWARGS)
    for kind in mc.KINDS:
        a, b = getattr(single, kind), getattr(sharded, kind)
        assert a.estimate.shape == b.estimate.shape == (3, 2, 3)
        np.testing.assert_array_equal(a.n, b.n)
        np.testing.assert_allclose(a.estimate, b.estimate, rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(a.variance, b.variance, rtol=1e-9, equal_nan=True)
    np.testing.assert_allclose(sharded.reach.efficiency, single.reach.efficiency, rtol=1e-9, equal_nan=True)
    for kind in ("scope", "reach"):  # the intervals' paired moments are joined too (they were dropped)
        a, b = getattr(single, kind), getattr(sharded, kind)
        assert np.isfinite(a.efficiency_low).any()
        np.testing.assert_allclose(b.efficiency_low, a.efficiency_low, rtol=1e-8, equal_nan=True)
        np.testing.assert_allclose(b.efficiency_high, a.efficiency_high, rtol=1e-8, equal_nan=True)
    assert sharded.reach.accumulator.ranges == ((0, 6000),)


def test_factory_must_be_callable(client):
    with pytest.raises(TypeError, match="model_factory"):
        rdask.simulate_sequence_risk(TrigramModel(trigram_table()), 0, n_trajectories=10, shards=2, **KWARGS)
