// Package suite holds nothing but the test main of the upstream conformance suite: `go test -c`
// of this package is upstream's e2e.test, built from Go modules.
package suite
