"""Carrier-mediated drug uptake: methotrexate entry through the reduced folate carrier.

Methotrexate enters cells mainly through the human reduced folate carrier (hRFC, gene
*SLC19A1*). Uptake by a carrier saturates and follows Michaelis–Menten kinetics,

.. math:: v = \\frac{V_{max}\\,S}{K_m + S},

where :math:`S` is the extracellular drug concentration. A transporter mutation that lowers
the carrier's affinity for methotrexate raises :math:`K_m`: the glutamate-to-lysine
substitution E45K, found in antifolate-resistant leukaemia cell lines, cut methotrexate influx
to about 14% of normal while doubling folic-acid influx (murine L1210 cells; Zhao et al. 1998),
so its effect is substrate-specific. In patients with relapsed acute lymphoblastic leukaemia
the commoner defect is lower carrier expression (Gorlick et al. 1997), a lower
:math:`V_{max}` (``vmax_mutant``) rather than a higher :math:`K_m`. At low drug levels
(:math:`S \\ll K_m`) uptake then falls almost in proportion to the rise in :math:`K_m`; at
saturating levels (:math:`S \\gg K_m`) it hardly changes, which is one reason higher drug
concentrations can partly overcome transport resistance.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_array, as_result, broadcast

__all__ = ["equivalent_concentration", "relative_uptake", "uptake_rate"]


def uptake_rate(substrate_uM, *, vmax, km_uM):
    """Michaelis–Menten uptake rate, ``v = vmax * S / (km + S)``.

    Parameters
    ----------
    substrate_uM : float or array_like
        Extracellular drug concentration S, µM (>= 0).
    vmax : float or array_like
        Maximal uptake rate (> 0), in any rate unit (e.g. pmol/min per 10^7 cells); the
        result has the same unit.
    km_uM : float or array_like
        Michaelis constant, µM (> 0): the concentration giving half the maximal rate.

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> uptake_rate(2.0, vmax=10.0, km_uM=2.0)
    5.0
    >>> uptake_rate([0.0, 6.0], vmax=1.0, km_uM=2.0)
    array([0.  , 0.75])
    """
    s = as_array(substrate_uM, "substrate_uM", unit="uM", low=0)
    v = as_array(vmax, "vmax", low=0, low_inclusive=False)
    km = as_array(km_uM, "km_uM", unit="uM", low=0, low_inclusive=False)
    s, v, km = broadcast(substrate_uM=s, vmax=v, km_uM=km)
    return as_result(v * s / (km + s))


def relative_uptake(substrate_uM, *, km_uM, km_mutant_uM, vmax=1.0, vmax_mutant=None):
    """Uptake by the mutant carrier as a fraction of the normal carrier's, at the same S.

    .. math::

        \\frac{v_{mut}}{v_{ref}} = \\frac{V_{max}^{mut}}{V_{max}}\\,
        \\frac{K_m + S}{K_m^{mut} + S}

    Parameters
    ----------
    substrate_uM : float or array_like
        Extracellular drug concentration, µM (> 0).
    km_uM, km_mutant_uM : float or array_like
        Michaelis constants of the normal and mutant carrier, µM (> 0).
    vmax, vmax_mutant : float or array_like
        Maximal rates (> 0); ``vmax_mutant=None`` means unchanged.

    Returns
    -------
    float or numpy.ndarray
        Ratio in (0, inf); below 1 when the mutant takes up less drug.

    Examples
    --------
    A five-fold rise in Km at a concentration far below Km costs about 80% of uptake:

    >>> round(relative_uptake(0.01, km_uM=1.0, km_mutant_uM=5.0), 3)
    0.202
    >>> round(relative_uptake(1000.0, km_uM=1.0, km_mutant_uM=5.0), 3)
    0.996
    """
    s = as_array(substrate_uM, "substrate_uM", unit="uM", low=0, low_inclusive=False)
    vmax_mutant = vmax if vmax_mutant is None else vmax_mutant
    ref = np.asarray(uptake_rate(s, vmax=vmax, km_uM=km_uM))
    mut = np.asarray(
        uptake_rate(
            s,
            vmax=as_array(vmax_mutant, "vmax_mutant", low=0, low_inclusive=False),
            km_uM=as_array(km_mutant_uM, "km_mutant_uM", unit="uM", low=0, low_inclusive=False),
        )
    )
    ref, mut = broadcast(reference=ref, mutant=mut)
    return as_result(mut / ref)


def equivalent_concentration(substrate_uM, *, km_uM, km_mutant_uM, vmax=1.0, vmax_mutant=None):
    """Concentration at which the mutant carrier matches the normal carrier's uptake at S.

    Solving ``vmax_mut * S' / (km_mut + S') = vmax * S / (km + S)`` for S' gives

    .. math:: S' = \\frac{v\\,K_m^{mut}}{V_{max}^{mut} - v},\\qquad v = \\frac{V_{max} S}{K_m + S}.

    When the mutant's maximal rate cannot reach ``v`` at any concentration the answer is
    ``inf``.

    Parameters
    ----------
    substrate_uM : float or array_like
        Drug concentration for the normal carrier, µM (>= 0).
    km_uM, km_mutant_uM : float or array_like
        Michaelis constants, µM (> 0).
    vmax, vmax_mutant : float or array_like
        Maximal rates (> 0); ``vmax_mutant=None`` means unchanged.

    Returns
    -------
    float or numpy.ndarray
        Concentration in µM (``inf`` where unreachable).

    Examples
    --------
    With Km raised five-fold, matching uptake at S = Km = 1 µM needs 5 µM:

    >>> equivalent_concentration(1.0, km_uM=1.0, km_mutant_uM=5.0)
    5.0
    >>> equivalent_concentration(1.0, km_uM=1.0, km_mutant_uM=1.0, vmax=1.0, vmax_mutant=0.4)
    inf
    """
    vmax_mutant = vmax if vmax_mutant is None else vmax_mutant
    v = np.asarray(uptake_rate(substrate_uM, vmax=vmax, km_uM=km_uM))
    vm = as_array(vmax_mutant, "vmax_mutant", low=0, low_inclusive=False)
    km_mut = as_array(km_mutant_uM, "km_mutant_uM", unit="uM", low=0, low_inclusive=False)
    v, vm, km_mut = broadcast(rate=v, vmax_mutant=vm, km_mutant_uM=km_mut)
    reachable = v < vm
    with np.errstate(divide="ignore", invalid="ignore"):
        s_eq = np.where(reachable, v * km_mut / np.where(reachable, vm - v, 1.0), np.inf)
    return as_result(s_eq)
