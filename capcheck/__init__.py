"""capcheck: audit destination capability declarations and map events to MoEngage."""

__version__ = "0.1.0"
