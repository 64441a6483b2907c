package storetest

import "testing"

// Evaluation is the conformance suite of STUB (to be written).
func Evaluation(t *testing.T, open Open) {}
