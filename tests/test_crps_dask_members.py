"""CRPS of ensembles whose members are split across dask workers: exact merges of sorted chunks equal
the single-array result (rtol 1e-12) on a LocalCluster, for nrg, fair, afcrps, weights and NaN policies."""

from __future__ import annotations

import numpy as np
import pytest

import riskcore

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
rdask = pytest.importorskip("riskcore.dask")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


RNG = np.random.default_rng(31)
OBS, FCT = RNG.normal(size=(40, 3)), RNG.normal(loc=3.0, size=(40, 3, 37))
FCT[0, 0, 5] = np.nan
FCT[1, 2, :] = np.nan  # nothing left under omit


@pytest.mark.parametrize("estimator", ["nrg", "fair", "afcrps"])
@pytest.mark.parametrize("nan_policy", ["propagate", "omit"])
@pytest.mark.parametrize("weighted", [False, True])
def test_member_chunks_merge_to_the_single_array_result(client, estimator, nan_policy, weighted):
    weights = RNG.uniform(0.1, 2.0, size=37) if weighted else None
    lazy = rdask.crps_ensemble(
        OBS,
        da.from_array(FCT, chunks=(20, 2, 8)),
        estimator=estimator,
        weights=weights,
        nan_policy=nan_policy,
        members="merge",
    )
    assert lazy.chunks == ((20, 20), (2, 1))
    got = client.compute(lazy).result()
    want = riskcore.crps_ensemble(OBS, FCT, estimator=estimator, weights=weights, nan_policy=nan_policy)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


def test_members_on_axis_0_uneven_chunks_and_full_weights(client):
    fct = np.moveaxis(FCT[2:], -1, 0)  # (37, 38, 3), members first
    weights = RNG.uniform(size=fct.shape) * 1e300  # scaled by the largest before the merge: no overflow
    lazy = rdask.crps_ensemble(OBS[2:], da.from_array(fct, chunks=(5, 19, 3)), axis=0, weights=weights,
                               estimator="fair", members="merge")  # fmt: skip
    want = riskcore.crps_ensemble(OBS[2:], fct, axis=0, weights=weights, estimator="fair")
    np.testing.assert_allclose(client.compute(lazy).result(), want, rtol=1e-12)


def test_a_single_forecast_split_in_chunks(client):
    x = RNG.normal(size=1001)
    got = client.compute(
        rdask.crps_ensemble(0.25, da.from_array(x, chunks=100), estimator="fair", members="merge")
    ).result()
    assert float(got) == pytest.approx(float(riskcore.crps_ensemble(0.25, x, estimator="fair")), rel=1e-12)


def test_validation_and_raise_policy():
    with pytest.raises(ValueError, match="nan_policy='raise'"):
        rdask.crps_ensemble(OBS, da.from_array(FCT, chunks=(20, 3, 10)), nan_policy="raise", members="merge")
    with pytest.raises(ValueError, match="weights must be finite"):
        rdask.crps_ensemble(OBS, da.from_array(FCT, chunks=(20, 3, 10)), weights=-np.ones(37), members="merge")
    with pytest.raises(ValueError, match="alpha must"):
        rdask.crps_ensemble(OBS, da.from_array(FCT, chunks=(20, 3, 10)), estimator="afcrps", alpha=2.0, members="merge")
    with pytest.raises(ValueError, match="members must be"):
        rdask.crps_ensemble(OBS, FCT, members="split")
