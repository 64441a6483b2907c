package mongostore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// BackupManifest describes a backup folder.
type BackupManifest struct {
	Format      string         `json:"format"`
	Database    string         `json:"database"`
	Collections map[string]int `json:"collections"` // documents per collection
}

const backupFormat = "librecours-backup-1"

// Backup writes every collection of the database to dir, one file of
// canonical Extended JSON lines per collection (files included: they are
// stored in collections), and a manifest written last. It reads while the
// platform runs; each collection is read in one pass.
func (db *DB) Backup(ctx context.Context, dir string) (*BackupManifest, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mongostore: backup folder: %w", err)
	}
	names, err := db.read.ListCollectionNames(ctx, bson.M{})
	if err != nil {
		return nil, fmt.Errorf("mongostore: list collections: %w", err)
	}
	slices.Sort(names)
	m := &BackupManifest{Format: backupFormat, Database: db.read.Name(), Collections: map[string]int{}}
	for _, name := range names {
		if strings.HasPrefix(name, "system.") {
			continue
		}
		n, err := db.dumpCollection(ctx, name, filepath.Join(dir, name+".jsonl"))
		if err != nil {
			return nil, err
		}
		m.Collections[name] = n
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o600); err != nil {
		return nil, fmt.Errorf("mongostore: write manifest: %w", err)
	}
	return m, nil
}

func (db *DB) dumpCollection(ctx context.Context, name, file string) (int, error) {
	f, err := os.OpenFile(file, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600) // #nosec G304 -- the backup folder is the operator's command-line argument
	if err != nil {
		return 0, fmt.Errorf("mongostore: backup %s: %w", name, err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	cur, err := db.R(name).Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("mongostore: backup %s: %w", name, err)
	}
	defer cur.Close(ctx)
	n := 0
	for cur.Next(ctx) {
		line, err := bson.MarshalExtJSON(cur.Current, true, false)
		if err != nil {
			return n, fmt.Errorf("mongostore: backup %s: %w", name, err)
		}
		if _, err := w.Write(append(line, '\n')); err != nil {
			return n, err
		}
		n++
	}
	if err := cur.Err(); err != nil {
		return n, fmt.Errorf("mongostore: backup %s: %w", name, err)
	}
	if err := w.Flush(); err != nil {
		return n, err
	}
	return n, f.Sync()
}

// ErrNotEmpty refuses a restore into a database that holds data.
var ErrNotEmpty = errors.New("mongostore: the database is not empty")

// Restore rebuilds an empty database from a backup folder, then creates the
// indexes.
func (db *DB) Restore(ctx context.Context, dir string) (*BackupManifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json")) // #nosec G304 -- the backup folder is the operator's command-line argument
	if err != nil {
		return nil, fmt.Errorf("mongostore: read manifest: %w", err)
	}
	var m BackupManifest
	if err := json.Unmarshal(b, &m); err != nil || m.Format != backupFormat {
		return nil, fmt.Errorf("mongostore: %s is not a Libre cours backup", dir)
	}
	names, err := db.read.ListCollectionNames(ctx, bson.M{})
	if err != nil {
		return nil, fmt.Errorf("mongostore: list collections: %w", err)
	}
	for _, name := range names {
		if n, err := db.R(name).EstimatedDocumentCount(ctx); err != nil || n > 0 {
			return nil, ErrNotEmpty
		}
	}
	for name, want := range m.Collections {
		got, err := db.loadCollection(ctx, name, filepath.Join(dir, name+".jsonl"))
		if err != nil {
			return nil, err
		}
		if got != want {
			return nil, fmt.Errorf("mongostore: restore %s: %d documents, manifest says %d", name, got, want)
		}
	}
	return &m, db.EnsureIndexes(ctx)
}

func (db *DB) loadCollection(ctx context.Context, name, file string) (int, error) {
	f, err := os.Open(file) // #nosec G304 -- the backup folder is the operator's command-line argument
	if err != nil {
		return 0, fmt.Errorf("mongostore: restore %s: %w", name, err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	n := 0
	for {
		line, err := r.ReadBytes('\n')
		if len(strings.TrimSpace(string(line))) > 0 {
			var doc bson.Raw
			if uerr := bson.UnmarshalExtJSON(line, true, &doc); uerr != nil {
				return n, fmt.Errorf("mongostore: restore %s line %d: %w", name, n+1, uerr)
			}
			if _, ierr := db.W(name).InsertOne(ctx, doc); ierr != nil {
				return n, fmt.Errorf("mongostore: restore %s line %d: %w", name, n+1, ierr)
			}
			n++
		}
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
