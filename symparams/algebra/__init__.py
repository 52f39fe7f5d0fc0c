"""Algebra on derivations: short floor forms, divisibility assumptions, conditions,
simplification forms, solving for a symbol and exact vectorised sweeps.

The modules are imported lazily by :class:`~symparams.core.derivation.Derivation`'s
methods; importing this package imports nothing else.
"""
