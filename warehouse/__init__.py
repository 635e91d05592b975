"""The warehouse room: where things live ($CSW_HOME), settings, the DuckDB file and its meta tables,
and the statistics every published number relies on."""
