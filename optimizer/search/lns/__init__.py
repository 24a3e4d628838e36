"""The large-neighbourhood search engine: ruin and recreate on the real objective."""
