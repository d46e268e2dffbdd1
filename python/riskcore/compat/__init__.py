"""Drop-in modules with a peer library's exact signatures and conventions, computed by riskcore:
:mod:`riskcore.compat.properscoring` (``import riskcore.compat.properscoring as properscoring``)."""
