"""Content: loading and schema of the knowledge base (YAML), the statute store, and the one
knowledge object reached through :func:`get_knowledge`."""
