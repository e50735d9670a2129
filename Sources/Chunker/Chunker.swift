// The Chunker module: see DESIGN.md. Sources land here.
