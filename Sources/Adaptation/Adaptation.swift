// The Adaptation module: see DESIGN.md. Sources land here.
