// Package guide holds the code samples of docs/guide.md as Example
// functions, so that every sample compiles against the real API and runs
// with the tests: go test ./examples/guide. TestGuideSamplesAreCode checks
// that each Go block of the guide is copied from this package or another
// example.
package guide
