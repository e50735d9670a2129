// The Relay module: see DESIGN.md. Sources land here.
