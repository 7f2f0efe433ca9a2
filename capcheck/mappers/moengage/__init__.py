"""The bundled MoEngage event mapper.

Turns RudderStack-style events (identify, track, alias) into the MoEngage Data API requests
the production rudder-transformer MoEngage destination (v0) builds. The field tables live
in ``destinations/moengage/mapping.yaml``; JavaScript value semantics in ``jsvalues``.

- :func:`transform` — one event and a destination Config -> list of requests;
- :func:`process` — the upstream processor request body -> processor response items;
- :func:`route` — the upstream router request body -> router response.
"""

from capcheck.mappers.moengage.errors import MappingError
from capcheck.mappers.moengage.service import process, route
from capcheck.mappers.moengage.transform import transform

__all__ = ["MappingError", "process", "route", "transform"]
