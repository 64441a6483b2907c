package storetest

import (
	"encoding/json"
	"fmt"
)

// memRecords is an in-memory backup: each collection's records as JSON, in
// the order the backend exported them.
type memRecords map[string][]json.RawMessage

func (m memRecords) Write(collection string, rec any) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	m[collection] = append(m[collection], b)
	return nil
}

func (m memRecords) Read(collection string, fn func(decode func(v any) error) error) error {
	for i, b := range m[collection] {
		if err := fn(func(v any) error { return json.Unmarshal(b, v) }); err != nil {
			return fmt.Errorf("%s record %d: %w", collection, i, err)
		}
	}
	return nil
}

// strings returns the records of the named collections as JSON strings, an
// empty list for a collection with none.
func (m memRecords) strings(collections ...string) map[string][]string {
	out := map[string][]string{}
	for _, c := range collections {
		out[c] = []string{}
		for _, r := range m[c] {
			out[c] = append(out[c], string(r))
		}
	}
	return out
}
