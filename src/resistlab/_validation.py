"""Input checks shared by every model: clear errors instead of silent NaNs.

Every public function validates what it is given with these helpers, so a
student who passes a dose in the wrong shape, a negative concentration or a
probability above one is told what was wrong and what was expected.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_array",
    "as_result",
    "as_scalar",
    "broadcast",
    "check_choice",
    "check_same_shape",
    "make_rng",
]


def _describe(x) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def as_array(
    x,
    name: str,
    *,
    unit: str = "",
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    ndim: int | None = None,
    min_size: int = 1,
) -> np.ndarray:
    """Return ``x`` as a finite float array, or raise a ``ValueError`` that says why not.

    Parameters
    ----------
    x : array_like
        The value to check.
    name : str
        The argument's name, used in the message.
    unit : str, optional
        The expected unit, used in the message (``"uM"``, ``"cells"``).
    low, high : float, optional
        Allowed range; ``low_inclusive`` / ``high_inclusive`` say whether the
        bound itself is allowed.
    ndim : int, optional
        Required number of dimensions (0 for a scalar, 1 for a vector).
    min_size : int
        Minimum number of elements.

    Examples
    --------
    >>> as_array([0.1, 1, 10], "dose_uM", unit="uM", low=0)
    array([ 0.1,  1. , 10. ])
    >>> as_array([-1.0], "dose_uM", unit="uM", low=0)
    Traceback (most recent call last):
    ...
    ValueError: dose_uM must be >= 0 uM; got -1 at position 0.
    """
    unit_txt = f" {unit}" if unit else ""
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a number or an array of numbers{unit_txt and ' in' + unit_txt}; "
            f"got {_describe(x)}."
        ) from None
    if ndim is not None and arr.ndim != ndim:
        shape = "a single number" if ndim == 0 else f"a {ndim}-D array"
        raise ValueError(f"{name} must be {shape}; got an array of shape {arr.shape}.")
    if arr.size < min_size:
        raise ValueError(f"{name} needs at least {min_size} value(s); got {arr.size}.")
    bad = ~np.isfinite(arr)
    if bad.any():
        pos = int(np.flatnonzero(bad.ravel())[0])
        raise ValueError(
            f"{name} must be finite (no NaN or inf); got {arr.ravel()[pos]} at position {pos}."
        )
    flat = arr.ravel()
    if low is not None:
        viol = flat < low if low_inclusive else flat <= low
        if viol.any():
            pos = int(np.flatnonzero(viol)[0])
            op = ">=" if low_inclusive else ">"
            where = "" if arr.ndim == 0 else f" at position {pos}"
            raise ValueError(f"{name} must be {op} {low:g}{unit_txt}; got {flat[pos]:g}{where}.")
    if high is not None:
        viol = flat > high if high_inclusive else flat >= high
        if viol.any():
            pos = int(np.flatnonzero(viol)[0])
            op = "<=" if high_inclusive else "<"
            where = "" if arr.ndim == 0 else f" at position {pos}"
            raise ValueError(f"{name} must be {op} {high:g}{unit_txt}; got {flat[pos]:g}{where}.")
    return arr


def as_scalar(x, name: str, **kwargs) -> float:
    """Return ``x`` as a checked Python float (see :func:`as_array` for the options).

    Examples
    --------
    >>> as_scalar(2, "hill_slope", low=0, low_inclusive=False)
    2.0
    """
    if isinstance(x, bool | str | bytes | np.bool_):
        raise TypeError(f"{name} must be a single number; got {_describe(x)}.")
    return float(as_array(x, name, ndim=0, **kwargs))


def check_same_shape(**arrays: np.ndarray) -> None:
    """Raise a ``ValueError`` unless all the named arrays have one shape.

    Examples
    --------
    >>> import numpy as np
    >>> check_same_shape(dose=np.ones(3), response=np.ones(4))
    Traceback (most recent call last):
    ...
    ValueError: dose and response must have the same shape; got dose (3,), response (4,).
    """
    shapes = {k: np.shape(v) for k, v in arrays.items()}
    if len(set(shapes.values())) > 1:
        names = " and ".join(shapes)
        got = ", ".join(f"{k} {s}" for k, s in shapes.items())
        raise ValueError(f"{names} must have the same shape; got {got}.")


def as_result(x):
    """A 0-d result as a Python ``float``; an array of any other shape unchanged.

    The models compute on arrays; a scalar input should give a scalar back.

    Examples
    --------
    >>> as_result(np.asarray(0.5)), as_result(np.array([0.5, 1.0]))
    (0.5, array([0.5, 1. ]))
    """
    return float(x) if np.ndim(x) == 0 else x


def broadcast(**arrays) -> list[np.ndarray]:
    """Broadcast the named arrays together, or raise a ``ValueError`` naming their shapes.

    Examples
    --------
    >>> [a.shape for a in broadcast(dose=np.ones(3), volume=2.0)]
    [(3,), (3,)]
    >>> broadcast(dose=np.ones(2), volume=np.ones(3))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: dose and volume must be single numbers or arrays of shapes that broadcast; ...
    """
    try:
        return list(np.broadcast_arrays(*arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(a)}" for k, a in arrays.items())
        raise ValueError(
            f"{' and '.join(arrays)} must be single numbers or arrays of shapes that "
            f"broadcast; got {shapes}."
        ) from None


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a ``ValueError`` listing them.

    Examples
    --------
    >>> check_choice("relative", "kind", ("relative", "absolute"))
    'relative'
    """
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}; got {value!r}.")
    return value


def make_rng(rng=None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from ``None``, a seed or a generator.

    ``None`` gives a fresh, unseeded generator; pass an integer seed for
    reproducible results.

    Examples
    --------
    >>> make_rng(42).integers(0, 10, 3).tolist() == make_rng(42).integers(0, 10, 3).tolist()
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, numbers.Integral | np.random.SeedSequence):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be None, an integer seed or a numpy Generator; got {_describe(rng)}."
    )
