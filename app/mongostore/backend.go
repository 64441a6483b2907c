package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"librecours/app/store"
)

// Backend is the MongoDB backend: the domain stores over one DB.
type Backend struct {
	db *DB
}

var _ store.Backend = (*Backend)(nil)

// NewBackend returns the backend over db; Close disconnects db.
func NewBackend(db *DB) *Backend { return &Backend{db: db} }

// DB is the underlying connection.
func (b *Backend) DB() *DB { return b.db }

// Kind implements store.Backend.
func (b *Backend) Kind() string { return "mongodb" }

// Stores implements store.Backend.
func (b *Backend) Stores() store.Stores {
	c := NewCourseStore(b.db)
	return store.Stores{
		Course:       c,
		Auth:         NewAuthStore(b.db),
		Settings:     NewSettings(b.db),
		Grading:      NewGradingStore(b.db),
		Evaluation:   NewEvaluationStore(b.db),
		Certificates: NewCertificateStore(b.db),
		Outbox:       NewOutboxStore(b.db),
	}
}

// Ready implements store.Backend: the primary answers.
func (b *Backend) Ready(ctx context.Context) error {
	if err := b.db.Ping(ctx); err != nil {
		return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
	}
	return nil
}

// Unavailable implements store.Backend: ErrUnavailable, or a driver error
// that means the server could not be reached or could not serve.
func (b *Backend) Unavailable(err error) bool {
	return errors.Is(err, store.ErrUnavailable) || Unavailable(err)
}

// Close implements store.Backend.
func (b *Backend) Close() error { return b.db.Close(context.Background()) }

// exporters write each domain's collections. MongoDB gives no snapshot
// across collections without a transaction (FerretDB has none), so a backup
// taken while the platform writes may catch a change in one collection and
// not in another: docs/operations.md says to take it from a hidden secondary
// or in a quiet moment.
var exporters = []func(ctx context.Context, db *DB, w store.RecordWriter) error{
	exportCourse, exportAuth, exportGrading, exportCertificates, exportNotify,
}

// importers load each domain's collections, in the order of
// store.Collections.
var importers = []func(ctx context.Context, db *DB, r store.RecordReader) error{
	importCourse, importAuth, importGrading, importCertificates, importNotify,
}

// Export implements store.Backend.
func (b *Backend) Export(ctx context.Context, w store.RecordWriter) error {
	for _, ex := range exporters {
		if err := ex(ctx, b.db, w); err != nil {
			return err
		}
	}
	return nil
}

// Import implements store.Backend. There is no transaction around a
// restore: when one fails halfway (a record the database refuses, the
// connection lost), the documents it loaded are deleted, so the database
// is left empty, as it was found, and the restore can be run again. Should
// that fail too, the error says to drop the database.
func (b *Backend) Import(ctx context.Context, r store.RecordReader) error {
	empty, err := b.Empty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return store.ErrNotEmpty
	}
	for _, im := range importers {
		if err := im(ctx, b.db, r); err != nil {
			if cerr := b.clear(context.WithoutCancel(ctx)); cerr != nil {
				return fmt.Errorf("%w; the database keeps part of the backup (emptying it failed: %w): drop it before restoring again", err, cerr)
			}
			return fmt.Errorf("%w (nothing was kept: the database is empty again)", err)
		}
	}
	return nil
}

// clear deletes every document of the database's collections (not the
// collections, whose indexes stay): a failed restore's undo, on a database
// that was empty when the restore began.
func (b *Backend) clear(ctx context.Context) error {
	names, err := b.db.write.ListCollectionNames(ctx, bson.M{})
	if err != nil {
		return fmt.Errorf("mongostore: list collections: %w", err)
	}
	for _, n := range names {
		if strings.HasPrefix(n, "system.") {
			continue
		}
		if _, err := b.db.W(n).DeleteMany(ctx, bson.M{}); err != nil {
			return fmt.Errorf("mongostore: empty %s: %w", n, err)
		}
	}
	return nil
}

// Empty implements store.Backend: no collection holds a document.
func (b *Backend) Empty(ctx context.Context) (bool, error) {
	names, err := b.db.read.ListCollectionNames(ctx, bson.M{})
	if err != nil {
		return false, fmt.Errorf("mongostore: list collections: %w", err)
	}
	for _, n := range names {
		if strings.HasPrefix(n, "system.") {
			continue
		}
		c, err := b.db.R(n).CountDocuments(ctx, bson.M{}, nil)
		if err != nil {
			return false, fmt.Errorf("mongostore: count %s: %w", n, err)
		}
		if c > 0 {
			return false, nil
		}
	}
	return true, nil
}
