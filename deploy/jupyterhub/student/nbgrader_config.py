"""nbgrader configuration of a student's server on the resistlab hub.

The Assignment List fetches from and submits to the course's exchange. Students need
nbgrader in their environment for this (``pip install 'resistlab[hub]'`` on the hub).
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "resistlab"
c.Exchange.root = os.environ.get("RESISTLAB_EXCHANGE", "/srv/nbgrader/exchange")
