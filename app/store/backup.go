package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// BackupFormat names the format of a backup folder: one JSON Lines file per
// collection (Collections), each line a record type of records.go encoded
// with encoding/json, and manifest.json with counts and SHA-256 sums. It is
// the same whatever the backend, so a backup of the embedded store restores
// into MongoDB and back.
const BackupFormat = "librecours-backup-2"

// Manifest describes a backup folder.
type Manifest struct {
	Format      string              `json:"format"`
	Store       string              `json:"store"` // the backend it came from
	CreatedAt   time.Time           `json:"created_at"`
	Collections map[string]FileInfo `json:"collections"`
}

// FileInfo is one collection's file in a backup.
type FileInfo struct {
	File   string `json:"file"`
	Count  int    `json:"count"`
	SHA256 string `json:"sha256"`
}

// RecordWriter receives the records of an export.
type RecordWriter interface {
	// Write adds rec (a record type of records.go) to collection.
	Write(collection string, rec any) error
}

// RecordReader gives the records of a backup to an import.
type RecordReader interface {
	// Read calls fn once per record of collection, in file order; decode
	// fills the value it is given from the record.
	Read(collection string, fn func(decode func(v any) error) error) error
}

// Each reads every record of collection as a T.
func Each[T any](r RecordReader, collection string, fn func(T) error) error {
	return r.Read(collection, func(decode func(any) error) error {
		var v T
		if err := decode(&v); err != nil {
			return fmt.Errorf("store: %s: %w", collection, err)
		}
		return fn(v)
	})
}

// known reports whether name is a collection of the format.
func known(name string) bool { return slices.Contains(Collections, name) }

// Backup writes b's data to dir, which must not exist or be empty; the
// manifest is written last, so a folder without one is an unfinished backup.
func Backup(ctx context.Context, b Backend, dir string, now time.Time) (*Manifest, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: backup folder: %w", err)
	}
	if entries, err := os.ReadDir(dir); err != nil {
		return nil, fmt.Errorf("store: backup folder: %w", err)
	} else if len(entries) > 0 {
		return nil, fmt.Errorf("store: backup folder %s is not empty", dir)
	}
	w := &fileWriter{dir: dir, files: map[string]*collectionFile{}}
	err := b.Export(ctx, w)
	if cerr := w.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	m := &Manifest{Format: BackupFormat, Store: b.Kind(), CreatedAt: now.UTC(), Collections: map[string]FileInfo{}}
	for _, name := range Collections {
		f := w.files[name]
		if f == nil { // an empty collection still gets its (empty) file
			if f, err = w.open(name); err != nil {
				return nil, err
			}
			if err := f.close(); err != nil {
				return nil, err
			}
		}
		m.Collections[name] = FileInfo{File: name + ".jsonl", Count: f.count, SHA256: hex.EncodeToString(f.hash.Sum(nil))}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeFileSync(filepath.Join(dir, "manifest.json"), append(data, '\n')); err != nil {
		return nil, fmt.Errorf("store: write manifest: %w", err)
	}
	return m, nil
}

// ReadManifest reads and checks a backup folder's manifest: its format, and
// that every collection it names is one of the format's, in a file of that
// name inside dir.
func ReadManifest(dir string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json")) // #nosec G304 -- the operator's backup folder
	if err != nil {
		return nil, fmt.Errorf("store: %s is not a finished backup (no manifest.json): %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("store: manifest.json: %w", err)
	}
	if m.Format != BackupFormat {
		return nil, fmt.Errorf("store: backup format %q, this version reads %q", m.Format, BackupFormat)
	}
	for _, name := range requiredCollections {
		if _, ok := m.Collections[name]; !ok {
			return nil, fmt.Errorf("store: the backup has no %s: every backup of this format does", name)
		}
	}
	for name, fi := range m.Collections {
		if !known(name) {
			return nil, fmt.Errorf("store: the backup names an unknown collection %q", name)
		}
		if fi.File != name+".jsonl" {
			return nil, fmt.Errorf("store: the backup's file for %s is %q, not %s.jsonl", name, fi.File, name)
		}
	}
	return &m, nil
}

// requiredCollections are in every backup of BackupFormat (Backup writes
// every collection, empty or not; later collections may be missing from
// older backups, never these).
var requiredCollections = []string{"users", "sessions", "submissions", "reviews", "certificates"}

// Verify checks every file of the backup against its count and SHA-256.
func Verify(dir string, m *Manifest) error {
	for name, fi := range m.Collections {
		f, err := os.Open(filepath.Join(dir, fi.File)) // #nosec G304 -- name checked against Collections
		if err != nil {
			return fmt.Errorf("store: backup file of %s: %w", name, err)
		}
		h := sha256.New()
		n, err := countLines(io.TeeReader(f, h))
		_ = f.Close()
		if err != nil {
			return fmt.Errorf("store: read %s: %w", fi.File, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != fi.SHA256 {
			return fmt.Errorf("store: %s is damaged: SHA-256 %s, manifest says %s", fi.File, got, fi.SHA256)
		}
		if n != fi.Count {
			return fmt.Errorf("store: %s has %d records, manifest says %d", fi.File, n, fi.Count)
		}
	}
	return nil
}

// Restore loads a backup folder into b, which must be empty: the manifest and
// every file are checked first, so a damaged backup changes nothing.
func Restore(ctx context.Context, b Backend, dir string) (*Manifest, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if err := Verify(dir, m); err != nil {
		return nil, err
	}
	empty, err := b.Empty(ctx)
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, ErrNotEmpty
	}
	if err := b.Import(ctx, &fileReader{dir: dir, m: m}); err != nil {
		return nil, err
	}
	return m, nil
}

func countLines(r io.Reader) (int, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	n := 0
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			n++
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(line) > 0 && line[len(line)-1] != '\n' {
				n++
			}
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

type collectionFile struct {
	f     *os.File
	w     *bufio.Writer
	hash  hashWriter
	count int
}

type hashWriter interface {
	io.Writer
	Sum([]byte) []byte
}

func (c *collectionFile) close() error {
	err := c.w.Flush()
	if err == nil {
		err = c.f.Sync()
	}
	return errors.Join(err, c.f.Close())
}

type fileWriter struct {
	dir   string
	files map[string]*collectionFile
}

func (w *fileWriter) open(name string) (*collectionFile, error) {
	f, err := os.OpenFile(filepath.Join(w.dir, name+".jsonl"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600) // #nosec G304 -- name checked against Collections
	if err != nil {
		return nil, fmt.Errorf("store: create %s.jsonl: %w", name, err)
	}
	h := sha256.New()
	c := &collectionFile{f: f, hash: h, w: bufio.NewWriterSize(io.MultiWriter(f, h), 1<<16)}
	w.files[name] = c
	return c, nil
}

func (w *fileWriter) Write(collection string, rec any) error {
	if !known(collection) {
		return fmt.Errorf("store: export of unknown collection %q", collection)
	}
	c := w.files[collection]
	if c == nil {
		var err error
		if c, err = w.open(collection); err != nil {
			return err
		}
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("store: encode %s record: %w", collection, err)
	}
	if bytes.IndexByte(data, '\n') >= 0 {
		return fmt.Errorf("store: %s record spans lines", collection)
	}
	c.count++
	if _, err := c.w.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("store: write %s.jsonl: %w", collection, err)
	}
	return nil
}

func (w *fileWriter) close() error {
	var errs []error
	for _, c := range w.files {
		errs = append(errs, c.close())
	}
	return errors.Join(errs...)
}

type fileReader struct {
	dir string
	m   *Manifest
}

// maxRecordBytes bounds one line of a backup (a file record carries up to
// grading.MaxUploadBytes, base64-encoded).
const maxRecordBytes = 64 << 20

func (r *fileReader) Read(collection string, fn func(decode func(v any) error) error) error {
	fi, ok := r.m.Collections[collection]
	if !ok {
		return nil // an older backup without this collection: nothing to load
	}
	f, err := os.Open(filepath.Join(r.dir, fi.File)) // #nosec G304 -- name checked by ReadManifest
	if err != nil {
		return fmt.Errorf("store: open %s: %w", fi.File, err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), maxRecordBytes)
	line := 0
	for sc.Scan() {
		line++
		data := sc.Bytes()
		if len(bytes.TrimSpace(data)) == 0 {
			continue
		}
		if t := bytes.TrimSpace(data); t[0] != '{' {
			return fmt.Errorf("store: %s line %d: not a record (a JSON object)", fi.File, line)
		}
		err := fn(func(v any) error {
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			return dec.Decode(v)
		})
		if err != nil {
			return fmt.Errorf("store: %s line %d: %w", fi.File, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("store: read %s: %w", fi.File, err)
	}
	return nil
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600) // #nosec G304 -- a fixed name inside the backup folder
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
