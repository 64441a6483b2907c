package store

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeBackup writes a backup folder whose manifest names collections
// (every line of each file counted and summed as Backup does).
func writeBackup(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	m := Manifest{Format: BackupFormat, Store: "test", Collections: map[string]FileInfo{}}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name+".jsonl"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		m.Collections[name] = FileInfo{File: name + ".jsonl", Count: strings.Count(body, "\n")}
	}
	data, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBackupRefusesEditedFolders: a manifest without a collection every
// backup of the format holds, and a line that is not a record (null, a
// number, a list), are refused, not restored as an empty platform or a
// blank record. (Both need the manifest recomputed by hand.)
func TestBackupRefusesEditedFolders(t *testing.T) {
	full := map[string]string{}
	for _, c := range requiredCollections {
		full[c] = ""
	}
	if _, err := ReadManifest(writeBackup(t, full)); err != nil {
		t.Fatalf("a manifest with every required collection: %v", err)
	}
	noUsers := map[string]string{}
	for _, c := range requiredCollections[1:] {
		noUsers[c] = ""
	}
	if _, err := ReadManifest(writeBackup(t, noUsers)); err == nil || !strings.Contains(err.Error(), "no users") {
		t.Fatalf("a manifest without users: %v, want refused", err)
	}
	for _, line := range []string{"null", "42", `["u1"]`, `"u1"`} {
		files := map[string]string{}
		for _, c := range requiredCollections {
			files[c] = ""
		}
		files["users"] = `{"ID":"u1"}` + "\n" + line + "\n"
		dir := writeBackup(t, files)
		m, err := ReadManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		read := 0
		err = (&fileReader{dir: dir, m: m}).Read("users", func(decode func(any) error) error {
			var v map[string]any
			read++
			return decode(&v)
		})
		if err == nil || !strings.Contains(err.Error(), "line 2: not a record") || read != 1 {
			t.Errorf("users line %q: %v after %d records, want refused at line 2", line, err, read)
		}
	}
}
