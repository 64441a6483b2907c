package embeddb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// IndexIDs gives every collection of a database in dir a SQLite index on the
// expression FerretDB 1.24 compares when it looks a document up by _id.
//
// FerretDB answers a filter of _id alone with
// "WHERE _ferretdb_sjson->'$._id' = ?" (find, update, delete), but the
// unique index it creates is on _ferretdb_sjson->"_id", which SQLite does not
// take for the same expression. Without this index every lookup, update and
// delete by _id reads the whole table: about 10 µs a document, so 100 ms for
// one update of a collection of 10,000. With it, they take the same time at
// any size (BenchmarkQueryCost in app/mongostore).
//
// FerretDB keeps its own list of indexes and never sees this one; SQLite
// keeps it up to date and drops it with its table. Call it once the
// collections exist (after the platform's indexes are created); it is
// idempotent. The "sqlite" database/sql driver is the one FerretDB
// registers.
func IndexIDs(ctx context.Context, dir, database string) error {
	file := filepath.Join(dir, database+".sqlite")
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("embeddb: index ids: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(file)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("embeddb: index ids: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		return fmt.Errorf("embeddb: index ids: list tables: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			_ = rows.Close()
			return fmt.Errorf("embeddb: index ids: %w", err)
		}
		tables = append(tables, t)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("embeddb: index ids: %w", err)
	}
	for _, t := range tables {
		if strings.ContainsAny(t, `"'`) {
			return fmt.Errorf("embeddb: index ids: unexpected table name %q", t)
		}
		// #nosec G201 -- the table names come from FerretDB's own catalogue and hold no quotes (checked above)
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS "%s_librecours_id" ON "%s" (_ferretdb_sjson->'$._id')`, t, t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("embeddb: index ids of %s: %w", t, err)
		}
	}
	return nil
}
