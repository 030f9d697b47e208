"""Test-session settings shared by the unit tests and the doctests in src/."""

import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the pyplot figures a test or doctest opened, so none accumulate."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
