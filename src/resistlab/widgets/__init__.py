"""Interactive explorers: ``explore_*(...)`` returns an ipywidgets container.

Each explorer is a thin wrapper: sliders feed a pure ``*_state(...)`` function
(tested headlessly) and a pure ``plot_*`` function from
:mod:`resistlab.plotting`; the figure is redrawn into an ``Output`` widget.
One module per topic; :mod:`resistlab.widgets._base` holds the shared
machinery.
"""

from . import (
    adaptive,
    amplification,
    dna_repair,
    dose_response,
    efflux,
    evolution,
    immunology,
    microenvironment,
    persisters,
    pk,
    precision,
    stem_cells,
    survival,
    synergy,
    target_mutations,
)
from .adaptive import *  # noqa: F403
from .amplification import *  # noqa: F403
from .dna_repair import *  # noqa: F403
from .dose_response import *  # noqa: F403
from .efflux import *  # noqa: F403
from .evolution import *  # noqa: F403
from .immunology import *  # noqa: F403
from .microenvironment import *  # noqa: F403
from .persisters import *  # noqa: F403
from .pk import *  # noqa: F403
from .precision import *  # noqa: F403
from .stem_cells import *  # noqa: F403
from .survival import *  # noqa: F403
from .synergy import *  # noqa: F403
from .target_mutations import *  # noqa: F403

__all__ = [
    *dose_response.__all__,
    *evolution.__all__,
    *target_mutations.__all__,
    *amplification.__all__,
    *persisters.__all__,
    *efflux.__all__,
    *dna_repair.__all__,
    *microenvironment.__all__,
    *stem_cells.__all__,
    *survival.__all__,
    *synergy.__all__,
    *pk.__all__,
    *immunology.__all__,
    *precision.__all__,
    *adaptive.__all__,
]
