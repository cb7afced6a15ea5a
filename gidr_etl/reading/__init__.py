"""Reading: a Document turned into the template's cells, metadata and prose (tokens → tables located → rows → values)."""
