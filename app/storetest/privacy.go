package storetest

import "testing"

// Privacy is the conformance suite of STUB (to be written).
func Privacy(t *testing.T, open Open) {}
