"""Publishing: generated docs written to disk (sits above render/)."""
