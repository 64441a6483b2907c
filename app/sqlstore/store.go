package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"librecours/app/store"
)

// Store is the embedded backend: the domain stores over one DB.
type Store struct {
	db *DB
}

var _ store.Backend = (*Store)(nil)

// New returns the backend over an open DB; Close closes the DB.
func New(db *DB) *Store { return &Store{db: db} }

// OpenStore opens the data folder dir (see Open) and returns its backend.
func OpenStore(ctx context.Context, dir string, o Options) (*Store, error) {
	db, err := Open(ctx, dir, o)
	if err != nil {
		return nil, err
	}
	return New(db), nil
}

// DB is the underlying database.
func (s *Store) DB() *DB { return s.db }

// Kind implements store.Backend.
func (s *Store) Kind() string { return "sqlite" }

// Stores implements store.Backend.
func (s *Store) Stores() store.Stores {
	c := &CourseStore{db: s.db}
	certs := &CertificateStore{db: s.db}
	return store.Stores{
		Course:       c,
		Auth:         &AuthStore{db: s.db},
		Settings:     &Settings{db: s.db},
		Grading:      &GradingStore{db: s.db},
		Evaluation:   &EvaluationStore{db: s.db},
		Certificates: certs,
		Outbox:       &OutboxStore{db: s.db},
	}
}

// Ready implements store.Backend.
func (s *Store) Ready(ctx context.Context) error { return s.db.Ready(ctx) }

// Close implements store.Backend.
func (s *Store) Close() error { return s.db.Close() }

// Unavailable implements store.Backend: the store marks its storage
// failures with store.ErrUnavailable.
func (s *Store) Unavailable(err error) bool { return store.Unavailable(err) }

// exporters write each domain's collections from one read transaction.
var exporters = []func(ctx context.Context, tx *sql.Tx, w store.RecordWriter) error{
	exportCourse, exportAuth, exportGrading, exportCertificates, exportNotify,
}

// importers load each domain's collections inside one write transaction,
// in the order of store.Collections.
var importers = []func(ctx context.Context, tx *sql.Tx, r store.RecordReader) error{
	importCourse, importAuth, importGrading, importCertificates, importNotify,
}

// Export implements store.Backend: one read transaction, so the backup is a
// consistent snapshot while the server keeps writing.
func (s *Store) Export(ctx context.Context, w store.RecordWriter) error {
	return s.db.readTx(ctx, func(tx *sql.Tx) error {
		for _, ex := range exporters {
			if err := ex(ctx, tx, w); err != nil {
				return err
			}
		}
		return nil
	})
}

// Import implements store.Backend: everything in one transaction, so a
// failed restore leaves the database empty.
func (s *Store) Import(ctx context.Context, r store.RecordReader) error {
	empty, err := s.Empty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return store.ErrNotEmpty
	}
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		for _, im := range importers {
			if err := im(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// dataTables are the tables that hold records (not the schema's own).
func dataTables(ctx context.Context, q queryer) ([]string, error) {
	var names []string
	err := queryOn(ctx, q, func(rows *sql.Rows) error {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		names = append(names, n)
		return nil
	}, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('schema_migrations', 'health')`)
	return names, err
}

// Empty implements store.Backend.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	names, err := dataTables(ctx, s.db.r)
	if err != nil {
		return false, err
	}
	for _, n := range names {
		var one int
		err := s.db.r.QueryRowContext(ctx, `SELECT 1 FROM "`+n+`" LIMIT 1`).Scan(&one) // #nosec G202 -- table names from sqlite_schema
		if err == nil {
			return false, nil
		}
		if err != sql.ErrNoRows {
			return false, fmt.Errorf("sqlstore: count %s: %w", n, classify(err))
		}
	}
	return true, nil
}

// exportStep is one collection of an export: the query that reads it in
// order, and how a row becomes the collection's record.
type exportStep struct {
	coll, query string
	scan        func(*sql.Rows) (any, error)
}

// exportAll writes every step's records to w, reading inside tx.
func exportAll(ctx context.Context, tx *sql.Tx, w store.RecordWriter, steps []exportStep) error {
	for _, st := range steps {
		err := queryOn(ctx, tx, func(rows *sql.Rows) error {
			rec, err := st.scan(rows)
			if err != nil {
				return err
			}
			return w.Write(st.coll, rec)
		}, st.query)
		if err != nil {
			return fmt.Errorf("sqlstore: export %s: %w", st.coll, err)
		}
	}
	return nil
}

// importExec runs one statement of a restore into collection coll.
func importExec(ctx context.Context, tx *sql.Tx, coll, query string, args ...any) error {
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("sqlstore: import %s: %w", coll, classify(err))
	}
	return nil
}
