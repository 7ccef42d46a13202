"""The assistant engine: context assembly, the tool loop, streaming and persistence."""
