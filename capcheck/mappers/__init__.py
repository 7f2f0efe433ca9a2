"""Event mappers bundled with capcheck, by destination internal name."""

# Internal destination name -> `capcheck map <mapper>` name.
BUNDLED: dict[str, str] = {"MOENGAGE": "moengage"}
