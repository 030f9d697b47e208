"""nbgrader configuration of an instructor's server on the resistlab hub.

The course (a clone of the resistlab repository) lives in ``~/resistlab``; its own
``nbgrader_config.py`` sets everything else (folders, timeouts, late penalty) and reads the
exchange from ``RESISTLAB_EXCHANGE``, which the hub sets.
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.root = os.path.expanduser(os.environ.get("RESISTLAB_COURSE", "~/resistlab"))
c.CourseDirectory.course_id = "resistlab"
c.Exchange.root = os.environ.get("RESISTLAB_EXCHANGE", "/srv/nbgrader/exchange")
