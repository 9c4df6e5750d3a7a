// Package docs holds forsok's reference documentation, the Markdown files beside this
// one. It has no code: its test (docs_test.go) runs every shell block of README.md and
// docs/*.md against a fresh server, so that a walk-through that stops working fails
// `go test ./...`. docs/development.md says how to mark a block that cannot run.
package docs
