// Package layout holds no code: its test keeps the layering of docs/design.md,
// that engine packages never import the UI and that the UI never reaches
// Docker or git, true as the tree grows.
package layout
