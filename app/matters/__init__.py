"""事项: the matter catalog and what is done with it."""
