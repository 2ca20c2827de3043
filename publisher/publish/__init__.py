"""Stage 4, publish: validated graphs → dumps, catalog, CSV, VoID and the embedded store."""
