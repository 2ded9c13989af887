// Package importcheck holds the test of the import rules of docs/design.md:
// the booking core imports only the standard library, the store imports no
// HTTP or templates, and adapters do not import each other.
package importcheck
