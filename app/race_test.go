//go:build race

package app

// raceDetector: the race detector slows rendering (the receipt PDF) several
// times, so latency bounds are looser under it.
const raceDetector = true
