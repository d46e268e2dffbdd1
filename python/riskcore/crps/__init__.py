r"""Continuous ranked probability score: ensemble estimators, gradients and closed forms.

.. math:: \mathrm{CRPS}(F, y) = \int (F(z) - \mathbf 1\{y \le z\})^2\,dz
          = E|X - y| - \tfrac12 E|X - X'|, \qquad X, X' \sim F \text{ iid}.

Lower is better. One module per family (:mod:`.ensemble`, :mod:`.parametric`); the names are
re-exported here and at the top level. Every function broadcasts like a NumPy ufunc, keeps float32 as
float32 (sums run in float64), accepts ``backend="auto"|"cpu"|"cuda"|"numba"`` and takes CuPy arrays
without host copies.
"""

from __future__ import annotations

from riskcore.crps import ensemble, parametric
from riskcore.crps.ensemble import *  # noqa: F403
from riskcore.crps.parametric import *  # noqa: F403

# isort: split
from riskcore.crps import (
    categorical,
    families,
    log_scores,
    parametric_grad,
    quantile,
    quantile_forecast,
    truncated_grad,
    univariate,
    weighted,
)
from riskcore.crps.categorical import *  # noqa: F403
from riskcore.crps.families import *  # noqa: F403
from riskcore.crps.log_scores import *  # noqa: F403
from riskcore.crps.parametric_grad import *  # noqa: F403
from riskcore.crps.quantile import *  # noqa: F403
from riskcore.crps.quantile_forecast import *  # noqa: F403
from riskcore.crps.truncated_grad import *  # noqa: F403
from riskcore.crps.univariate import *  # noqa: F403
from riskcore.crps.weighted import *  # noqa: F403

# isort: split
from riskcore.crps import kernel, multivariate
from riskcore.crps.kernel import *  # noqa: F403
from riskcore.crps.multivariate import *  # noqa: F403

__all__ = [*ensemble.__all__, *parametric.__all__]
__all__ += [*categorical.__all__, *quantile.__all__, *univariate.__all__, *weighted.__all__]
__all__ += [*kernel.__all__, *multivariate.__all__]
__all__ += [*families.__all__, *log_scores.__all__, *parametric_grad.__all__, *quantile_forecast.__all__]
__all__ += truncated_grad.__all__
