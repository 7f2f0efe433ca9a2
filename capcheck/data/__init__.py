"""Data shipped with capcheck: schemas/ and destinations/ map here when installed."""
