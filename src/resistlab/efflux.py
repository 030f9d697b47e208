"""Drug efflux by P-glycoprotein (ABCB1): intracellular accumulation, fold-resistance, reversal.

A drug crosses the membrane passively (first order, permeability :math:`P`) and is pumped
out by P-glycoprotein with Michaelis–Menten kinetics (:math:`V_{max}`, :math:`K_m`):

.. math::

    \\frac{dC}{dt} = P\\,(C_{out} - C) - \\frac{V_{max}\\,C}{K_m + C}.

:math:`V_{max}` is proportional to the number of pumps, so it is the model's handle on P-gp
expression. At steady state the intracellular concentration :math:`C` is the positive root of
a quadratic (:func:`steady_state_intracellular`). A pump-expressing cell needs
:func:`fold_resistance` times more external drug than the same cell without the pump to reach
the same intracellular level. Inhibitors act on the pump's parameters: a competitive inhibitor
raises the apparent :math:`K_m` (:func:`competitive_km`), a non-competitive one lowers the
apparent :math:`V_{max}` (:func:`noncompetitive_vmax`).

Concentrations, rates and the permeability may be in any consistent units (for example µM,
µM/min and 1/min). Every function broadcasts its arguments like NumPy and returns a float for
scalar input.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_array, as_result, broadcast

__all__ = [
    "competitive_km",
    "fold_resistance",
    "noncompetitive_vmax",
    "steady_state_intracellular",
]


def _positive(x, name):
    return as_array(x, name, low=0, low_inclusive=False)


def steady_state_intracellular(c_out, permeability, vmax, km):
    """Steady-state intracellular drug concentration with passive entry and P-gp efflux.

    Setting :math:`dC/dt = P(C_{out} - C) - V_{max}C/(K_m + C) = 0` and multiplying by
    :math:`(K_m + C)/P` gives :math:`C^2 + bC - C_{out}K_m = 0` with
    :math:`b = K_m + V_{max}/P - C_{out}`, whose positive root is

    .. math:: C = \\frac{-b + \\sqrt{b^2 + 4\\,C_{out}K_m}}{2}.

    It is computed in the cancellation-free form :math:`2C_{out}K_m/(b + \\sqrt{\\cdot})`
    when :math:`b > 0`. Without a pump (:math:`V_{max} = 0`) :math:`C = C_{out}`.

    Parameters
    ----------
    c_out : float or array_like
        Extracellular drug concentration (>= 0).
    permeability : float or array_like
        Passive exchange rate constant P (> 0), in 1/time.
    vmax : float or array_like
        Maximal efflux rate (>= 0), in concentration/time; proportional to P-gp expression.
    km : float or array_like
        Michaelis constant of the pump for the drug (> 0), in concentration units.

    Returns
    -------
    float or numpy.ndarray
        Intracellular concentration, in ``[0, c_out]``; the arguments broadcast.

    Raises
    ------
    ValueError
        If an argument is negative, not finite, zero where it must be positive, or the
        shapes do not broadcast.

    Examples
    --------
    With :math:`C_{out} = 1`, :math:`P = 1`, :math:`V_{max} = 2`, :math:`K_m = 1` the root
    of :math:`C^2 + 2C - 1 = 0` is :math:`\\sqrt{2} - 1`:

    >>> round(steady_state_intracellular(1.0, 1.0, 2.0, 1.0), 6)
    0.414214
    >>> steady_state_intracellular([0.0, 5.0], 1.0, 0.0, 1.0)
    array([0., 5.])
    """
    c = as_array(c_out, "c_out", low=0)
    p = _positive(permeability, "permeability")
    v = as_array(vmax, "vmax", low=0)
    k = _positive(km, "km")
    c, p, v, k = broadcast(c_out=c, permeability=p, vmax=v, km=k)
    b = k + v / p - c
    root = np.sqrt(b * b + 4.0 * c * k)
    with np.errstate(divide="ignore", invalid="ignore"):
        stable = np.where(b > 0, 2.0 * c * k / np.where(b > 0, b + root, 1.0), 0.0)
    inside = np.where(b > 0, stable, (root - b) / 2.0)
    return as_result(np.clip(inside, 0.0, c))


def fold_resistance(vmax, permeability, km, c_target):
    """How many times more external drug a pump-expressing cell needs for the same inside level.

    At steady state the external concentration that holds the inside at :math:`C^*` is
    :math:`C_{out} = C^*\\,[1 + V_{max}/(P(K_m + C^*))]`; without the pump it is :math:`C^*`.
    Their ratio is the fold-resistance

    .. math:: FR = 1 + \\frac{V_{max}}{P\\,(K_m + C^*)}.

    It rises linearly with :math:`V_{max}` (P-gp expression) and is largest when the target
    level is far below :math:`K_m` (the pump is not saturated).

    Parameters
    ----------
    vmax : float or array_like
        Maximal efflux rate (>= 0), concentration/time.
    permeability : float or array_like
        Passive exchange rate constant (> 0), 1/time.
    km : float or array_like
        Michaelis constant (> 0).
    c_target : float or array_like
        Intracellular concentration that kills the cell, e.g. the parental line's
        intracellular IC50 (>= 0).

    Returns
    -------
    float or numpy.ndarray
        Fold-resistance, >= 1.

    Examples
    --------
    >>> fold_resistance(9.0, 1.0, 0.5, 0.5)
    10.0
    >>> fold_resistance([0.0, 4.0], 2.0, 1.0, 1.0)
    array([1., 2.])
    """
    v = as_array(vmax, "vmax", low=0)
    p = _positive(permeability, "permeability")
    k = _positive(km, "km")
    ct = as_array(c_target, "c_target", low=0)
    v, p, k, ct = broadcast(vmax=v, permeability=p, km=k, c_target=ct)
    return as_result(1.0 + v / (p * (k + ct)))


def competitive_km(km, inhibitor, ki):
    """Apparent Michaelis constant of the pump with a competitive inhibitor.

    .. math:: K_m^{app} = K_m\\,(1 + I/K_i)

    The inhibitor competes with the drug for the binding site: the pump still reaches
    :math:`V_{max}` at saturating drug, but needs more drug to get there.

    Parameters
    ----------
    km : float or array_like
        Michaelis constant without inhibitor (> 0).
    inhibitor : float or array_like
        Inhibitor concentration I (>= 0), same unit as ``ki``.
    ki : float or array_like
        Inhibition constant (> 0).

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> competitive_km(2.0, 3.0, 1.0)
    8.0
    >>> competitive_km(2.0, [0.0, 1.0], 1.0)
    array([2., 4.])
    """
    k = _positive(km, "km")
    i = as_array(inhibitor, "inhibitor", low=0)
    ki_ = _positive(ki, "ki")
    k, i, ki_ = broadcast(km=k, inhibitor=i, ki=ki_)
    return as_result(k * (1.0 + i / ki_))


def noncompetitive_vmax(vmax, inhibitor, ki):
    """Apparent maximal efflux rate with a non-competitive inhibitor.

    .. math:: V_{max}^{app} = \\frac{V_{max}}{1 + I/K_i}

    The inhibitor binds away from the drug site (tariquidar, for example, blocks the pump's
    ATPase cycle) and takes a fraction of the pumps out of action whatever the drug level.

    Parameters
    ----------
    vmax : float or array_like
        Maximal efflux rate without inhibitor (>= 0).
    inhibitor : float or array_like
        Inhibitor concentration I (>= 0), same unit as ``ki``.
    ki : float or array_like
        Inhibition constant (> 0).

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> noncompetitive_vmax(10.0, 4.0, 1.0)
    2.0
    >>> noncompetitive_vmax([10.0, 6.0], 0.0, 1.0)
    array([10.,  6.])
    """
    v = as_array(vmax, "vmax", low=0)
    i = as_array(inhibitor, "inhibitor", low=0)
    ki_ = _positive(ki, "ki")
    v, i, ki_ = broadcast(vmax=v, inhibitor=i, ki=ki_)
    return as_result(v / (1.0 + i / ki_))
