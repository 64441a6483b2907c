package storetest

import "testing"

// Grading is the conformance suite of STUB (to be written).
func Grading(t *testing.T, open Open) {}
