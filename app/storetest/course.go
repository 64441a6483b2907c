package storetest

import "testing"

// Course is the conformance suite of STUB (to be written).
func Course(t *testing.T, open Open) {}
