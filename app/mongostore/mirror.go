package mongostore

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The embedded FerretDB finds a document by _id through the SQLite primary
// key, but answers every other query by decoding the whole collection, about
// 0.1 to 0.25 ms per document (BenchmarkQueryCost). A page reading a
// participant's reviews would scan every review of every past session.
//
// So, with the embedded database, the collections the pages read most are
// mirrored in memory: a mirror holds every document of its collection as raw
// BSON, loaded by one scan at first use, and answers simple queries (equality
// filters, sorts) itself. It stays exact because this process is the
// database's only client: a command monitor sees every write this process
// sends and marks the documents it names (by _id) as dirty, or the whole
// mirror when the write does not name its documents. A read first re-reads
// the dirty documents by _id, the one cheap query, or scans again after a
// write it could not follow. Marks are set when a write starts and again when
// it ends, so a read overlapping a write re-reads afterwards. Nothing is ever
// served that the database did not hold at some point after the last write
// this process acknowledged.
//
// A deployment on MongoDB has indexes and may run several instances, so it
// has no mirrors (Options.Mirror).

// mirroredCollections are the mirrored collections, with the field each
// groups its documents by ("" for none): a query with that field as an
// equality looks at one group only.
var mirroredCollections = map[string]string{
	colSessions:   "",
	colEnrolments: "session_id",
	colExercises:  "session_id",
	colPartStates: "session_id",
	colSubs:       "session_id",
	colReviews:    "session_id",
	// the dashboard's
	colCertificates: "user_id",
	colCommitments:  "user_id",
}

// mirrorIndexes name a second field some mirrors also index their documents
// by: a query with that field as an equality looks at those documents only
// (a reviewer's reviews among a MOOC session's tens of thousands).
var mirrorIndexes = map[string]string{
	colReviews:    "reviewer_id",
	colSubs:       "author_id",
	colEnrolments: "user_id", // the dashboard's
}

// readCommands never change data.
var readCommands = map[string]bool{
	"find": true, "getMore": true, "killCursors": true, "aggregate": true, "count": true, "distinct": true,
	"listCollections": true, "listIndexes": true, "listDatabases": true, "ping": true, "hello": true,
	"isMaster": true, "ismaster": true, "buildInfo": true, "buildinfo": true, "endSessions": true,
	"dbStats": true, "collStats": true, "explain": true, "getParameter": true, "saslStart": true,
	"saslContinue": true, "getLastError": true, "serverStatus": true, "connectionStatus": true,
	"hostInfo": true, "whatsmyuri": true, "getLog": true, "getCmdLineOpts": true, "validate": true,
}

// mirrors are a database's mirrors and the monitor that keeps them exact.
type mirrors struct {
	db     *DB
	byColl map[string]*mirror

	mu      sync.Mutex
	pending map[int64][]writeMark // writes started, not yet ended
}

// writeMark is what one write may have changed in one mirror: the documents
// with these _id, or every document (all).
type writeMark struct {
	m   *mirror
	all bool
	ids []bson.RawValue
}

func newMirrors(db *DB) *mirrors {
	ms := &mirrors{db: db, byColl: map[string]*mirror{}, pending: map[int64][]writeMark{}}
	for coll, group := range mirroredCollections {
		ms.byColl[coll] = &mirror{db: db, coll: coll, group: group, index: mirrorIndexes[coll], dirty: map[string]bson.RawValue{}, versions: map[string]uint64{}}
	}
	return ms
}

// monitor wraps next (which may be nil) so the mirrors see every write.
func (ms *mirrors) monitor(next *event.CommandMonitor) *event.CommandMonitor {
	mon := &event.CommandMonitor{
		Started: func(ctx context.Context, e *event.CommandStartedEvent) {
			ms.started(e)
			if next != nil && next.Started != nil {
				next.Started(ctx, e)
			}
		},
		Succeeded: func(ctx context.Context, e *event.CommandSucceededEvent) {
			ms.finished(e.RequestID)
			if next != nil && next.Succeeded != nil {
				next.Succeeded(ctx, e)
			}
		},
		Failed: func(ctx context.Context, e *event.CommandFailedEvent) {
			ms.finished(e.RequestID)
			if next != nil && next.Failed != nil {
				next.Failed(ctx, e)
			}
		},
	}
	return mon
}

func (ms *mirrors) started(e *event.CommandStartedEvent) {
	if readCommands[e.CommandName] {
		return
	}
	marks := ms.marksOf(e.CommandName, bson.Raw(e.Command))
	if len(marks) == 0 {
		return
	}
	for _, mk := range marks {
		mk.m.mark(mk)
	}
	ms.mu.Lock()
	ms.pending[e.RequestID] = marks
	ms.mu.Unlock()
}

func (ms *mirrors) finished(requestID int64) {
	ms.mu.Lock()
	marks, ok := ms.pending[requestID]
	delete(ms.pending, requestID)
	ms.mu.Unlock()
	if ok {
		for _, mk := range marks {
			mk.m.mark(mk)
		}
	}
}

// marksOf tells what a write command may change; anything it cannot read
// marks every mirror it may touch as wholly stale.
func (ms *mirrors) marksOf(name string, cmd bson.Raw) []writeMark {
	everything := func() []writeMark {
		out := make([]writeMark, 0, len(ms.byColl))
		for _, m := range ms.byColl {
			out = append(out, writeMark{m: m, all: true})
		}
		return out
	}
	first, err := cmd.IndexErr(0)
	if err != nil {
		return everything()
	}
	coll, ok := first.Value().StringValueOK()
	if !ok {
		return everything() // dropDatabase and the like
	}
	m := ms.byColl[coll]
	if m == nil {
		return nil
	}
	all := []writeMark{{m: m, all: true}}
	var ids []bson.RawValue
	switch name {
	case "insert":
		docs, ok := documentsOf(cmd, "documents")
		if !ok {
			return all
		}
		for _, d := range docs {
			id, err := d.LookupErr("_id")
			if err != nil {
				return all
			}
			ids = append(ids, id)
		}
	case "update", "delete":
		key := "updates"
		if name == "delete" {
			key = "deletes"
		}
		stmts, ok := documentsOf(cmd, key)
		if !ok {
			return all
		}
		for _, d := range stmts {
			q, ok := d.Lookup("q").DocumentOK()
			if !ok {
				return all
			}
			got, ok := filterIDs(q)
			if !ok {
				return all
			}
			ids = append(ids, got...)
		}
	case "findAndModify":
		q, ok := cmd.Lookup("query").DocumentOK()
		if !ok {
			return all
		}
		if ids, ok = filterIDs(q); !ok {
			return all
		}
	default:
		return all
	}
	return []writeMark{{m: m, ids: ids}}
}

// documentsOf returns the documents of an array field of a command.
func documentsOf(cmd bson.Raw, key string) ([]bson.Raw, bool) {
	arr, ok := cmd.Lookup(key).ArrayOK()
	if !ok {
		return nil, false
	}
	vals, err := arr.Values()
	if err != nil {
		return nil, false
	}
	out := make([]bson.Raw, 0, len(vals))
	for _, v := range vals {
		d, ok := v.DocumentOK()
		if !ok {
			return nil, false
		}
		out = append(out, d)
	}
	return out, true
}

// filterIDs returns the _id values a filter restricts a write to: {_id: v}
// or {_id: {$in: [...]}}, with any other conditions.
func filterIDs(q bson.Raw) ([]bson.RawValue, bool) {
	id, err := q.LookupErr("_id")
	if err != nil {
		return nil, false
	}
	if d, ok := id.DocumentOK(); ok {
		in, err := d.LookupErr("$in")
		if err != nil {
			return nil, false
		}
		if elems, _ := d.Elements(); len(elems) != 1 {
			return nil, false
		}
		arr, ok := in.ArrayOK()
		if !ok {
			return nil, false
		}
		vals, err := arr.Values()
		return vals, err == nil
	}
	switch id.Type {
	case bson.TypeString, bson.TypeObjectID, bson.TypeInt32, bson.TypeInt64:
		return []bson.RawValue{id}, true
	}
	return nil, false
}

// idKey is a document's key in its mirror.
func idKey(v bson.RawValue) string {
	if s, ok := v.StringValueOK(); ok {
		return s
	}
	return v.Type.String() + ":" + string(v.Value)
}

// mirror is one mirrored collection.
type mirror struct {
	db    *DB
	coll  string
	group string
	index string // a second field documents are indexed by, or ""

	// marks: what writes changed since the mirror was last brought up to
	// date; loaded and loadedGen say which full scan it holds.
	marks     sync.Mutex
	gen       uint64 // bumped by a write that does not name its documents
	dirty     map[string]bson.RawValue
	loaded    bool
	loadedGen uint64

	refresh sync.Mutex // one refresher at a time

	mu     sync.RWMutex
	docs   map[string]*mirrorDoc
	groups map[string]map[string]*mirrorDoc
	byKey  map[string]map[string]*mirrorDoc // by the index field's value
	seq    int64
	// epoch counts full loads and versions the changes of each group since:
	// together they change whenever a document of the group may have.
	epoch    uint64
	versions map[string]uint64
}

// mirrorDoc is one document; raw is never changed in place, only replaced.
type mirrorDoc struct {
	key   string
	group string
	ikey  string // the index field's value
	raw   bson.Raw
	seq   int64 // natural order: FerretDB returns documents in insertion order
}

func (m *mirror) mark(mk writeMark) {
	m.marks.Lock()
	defer m.marks.Unlock()
	if mk.all {
		m.gen++
		return
	}
	for _, id := range mk.ids {
		m.dirty[idKey(id)] = id
	}
}

// sync brings the mirror up to date with every write this process has seen.
func (m *mirror) sync(ctx context.Context) error {
	m.marks.Lock()
	clean := m.loaded && m.gen == m.loadedGen && len(m.dirty) == 0
	m.marks.Unlock()
	if clean {
		return nil
	}
	m.refresh.Lock()
	defer m.refresh.Unlock()
	m.marks.Lock()
	full := !m.loaded || m.gen != m.loadedGen
	gen := m.gen
	ids := m.dirty
	m.dirty = map[string]bson.RawValue{}
	m.marks.Unlock()
	m.mu.RLock()
	size := len(m.docs)
	m.mu.RUnlock()
	if !full && len(ids) > 64 && len(ids) > size/4 {
		full = true // one scan is cheaper than that many lookups
	}
	restore := func(ids map[string]bson.RawValue) {
		m.marks.Lock()
		for k, v := range ids {
			m.dirty[k] = v
		}
		m.marks.Unlock()
	}
	if full {
		if err := m.load(ctx); err != nil {
			restore(ids)
			return err
		}
		m.marks.Lock()
		m.loaded, m.loadedGen = true, gen
		m.marks.Unlock()
		return nil
	}
	for k, id := range ids {
		raw, err := m.db.R(m.coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
		if errors.Is(err, mongo.ErrNoDocuments) {
			raw, err = nil, nil
		}
		if err != nil {
			restore(ids)
			return fmt.Errorf("mongostore: refresh %s: %w", m.coll, err)
		}
		m.put(k, raw)
		delete(ids, k)
	}
	return nil
}

// load replaces the mirror's content with a scan of the collection.
func (m *mirror) load(ctx context.Context) error {
	cur, err := m.db.R(m.coll).Find(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("mongostore: load %s: %w", m.coll, err)
	}
	defer cur.Close(ctx)
	docs := map[string]*mirrorDoc{}
	groups := map[string]map[string]*mirrorDoc{}
	byKey := map[string]map[string]*mirrorDoc{}
	var seq int64
	for cur.Next(ctx) {
		raw := slices.Clone(cur.Current)
		id, err := raw.LookupErr("_id")
		if err != nil {
			return fmt.Errorf("mongostore: load %s: document without _id", m.coll)
		}
		seq++
		d := &mirrorDoc{key: idKey(id), raw: raw, seq: seq, group: m.groupOf(raw), ikey: m.indexOf(raw)}
		docs[d.key] = d
		addTo(groups, d.group, d)
		if m.index != "" {
			addTo(byKey, d.ikey, d)
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("mongostore: load %s: %w", m.coll, err)
	}
	m.mu.Lock()
	m.docs, m.groups, m.byKey, m.seq = docs, groups, byKey, seq
	m.epoch++
	m.versions = map[string]uint64{}
	m.mu.Unlock()
	return nil
}

// version brings the mirror up to date and returns a stamp of a group's
// content: it differs from any earlier stamp whenever a document of the
// group was written since.
func (m *mirror) version(ctx context.Context, group string) (string, error) {
	if err := m.sync(ctx); err != nil {
		return "", err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return fmt.Sprintf("%s:%d.%d", m.coll, m.epoch, m.versions[group]), nil
}

func (m *mirror) groupOf(raw bson.Raw) string {
	if m.group == "" {
		return ""
	}
	s, _ := raw.Lookup(m.group).StringValueOK()
	return s
}

func (m *mirror) indexOf(raw bson.Raw) string {
	if m.index == "" {
		return ""
	}
	s, _ := raw.Lookup(m.index).StringValueOK()
	return s
}

func addTo(sets map[string]map[string]*mirrorDoc, value string, d *mirrorDoc) {
	g := sets[value]
	if g == nil {
		g = map[string]*mirrorDoc{}
		sets[value] = g
	}
	g[d.key] = d
}

// put replaces, adds or (raw nil) removes one document.
func (m *mirror) put(key string, raw bson.Raw) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.docs[key]
	if old != nil {
		delete(m.groups[old.group], key)
		if m.index != "" {
			delete(m.byKey[old.ikey], key)
		}
		delete(m.docs, key)
		m.versions[old.group]++
	}
	if raw == nil {
		return
	}
	d := &mirrorDoc{key: key, raw: raw, group: m.groupOf(raw), ikey: m.indexOf(raw)}
	m.versions[d.group]++
	if old != nil {
		d.seq = old.seq
	} else {
		m.seq++
		d.seq = m.seq
	}
	m.docs[key] = d
	addTo(m.groups, d.group, d)
	if m.index != "" {
		addTo(m.byKey, d.ikey, d)
	}
}

// stamp returns a value that changes whenever a document of these mirrored
// collections in the group changes (a collection grouped otherwise counts
// whole); ok is false without mirrors, where nothing can say so cheaply.
func (db *DB) stamp(ctx context.Context, group string, colls ...string) (string, bool, error) {
	if db.mirrors == nil {
		return "", false, nil
	}
	parts := make([]string, 0, len(colls))
	for _, c := range colls {
		m := db.mirror(c)
		if m == nil {
			return "", false, nil
		}
		g := group
		if m.group == "" {
			g = ""
		}
		v, err := m.version(ctx, g)
		if err != nil {
			return "", false, err
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, " "), true, nil
}

// mirror returns the mirror of a collection, or nil.
func (db *DB) mirror(coll string) *mirror {
	if db.mirrors == nil {
		return nil
	}
	return db.mirrors.byColl[coll]
}

// findAll answers a query from the mirror; ok is false when the query is
// beyond what a mirror answers (the caller asks the database).
func (m *mirror) findAll(ctx context.Context, filter any, opts *options.FindOptionsBuilder, limit int64, out any) (bool, error) {
	match, ok := compileFilter(filter)
	if !ok {
		return false, nil
	}
	sortKeys, ok := findSort(opts, &limit)
	if !ok {
		return false, nil
	}
	if err := m.sync(ctx); err != nil {
		return true, err
	}
	type hit struct {
		d    *mirrorDoc
		keys []bson.RawValue // the sort keys, read once
	}
	var hits []hit
	m.mu.RLock()
	pool := m.docs
	if ids, ok := match.values("_id"); ok {
		pool = make(map[string]*mirrorDoc, len(ids))
		for _, id := range ids {
			if d := m.docs[id]; d != nil {
				pool[id] = d
			}
		}
	} else {
		if m.group != "" {
			if g, ok := match.equal(m.group); ok {
				pool = m.groups[g]
			}
		}
		if m.index != "" {
			if k, ok := match.equal(m.index); ok && len(m.byKey[k]) < len(pool) {
				pool = m.byKey[k]
			}
		}
	}
	for _, d := range pool {
		if match.matches(d.raw) {
			h := hit{d: d}
			if len(sortKeys) > 0 {
				h.keys = make([]bson.RawValue, len(sortKeys))
				for i, k := range sortKeys {
					h.keys[i] = d.raw.Lookup(k.Key)
				}
			}
			hits = append(hits, h)
		}
	}
	m.mu.RUnlock()
	slices.SortFunc(hits, func(a, b hit) int {
		for i, k := range sortKeys {
			if c := compareValues(a.keys[i], b.keys[i]); c != 0 {
				if k.desc {
					return -c
				}
				return c
			}
		}
		return cmp.Compare(a.d.seq, b.d.seq)
	})
	if limit > 0 && int64(len(hits)) > limit {
		hits = hits[:limit]
	}
	docs := make([]*mirrorDoc, len(hits))
	for i, h := range hits {
		docs[i] = h.d
	}
	return true, decodeAll(docs, out)
}

// decodeAll decodes documents into out, a pointer to a slice.
func decodeAll(docs []*mirrorDoc, out any) error {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Slice {
		return fmt.Errorf("mongostore: decode into %T: want a pointer to a slice", out)
	}
	sl := rv.Elem()
	res := reflect.MakeSlice(sl.Type(), len(docs), len(docs))
	for i, d := range docs {
		if err := bson.Unmarshal(d.raw, res.Index(i).Addr().Interface()); err != nil {
			return fmt.Errorf("mongostore: decode: %w", err)
		}
	}
	sl.Set(res)
	return nil
}

type sortKey struct {
	Key  string
	desc bool
}

// findSort reads the sort and limit of find options; ok is false when they
// hold anything else.
func findSort(opts *options.FindOptionsBuilder, limit *int64) ([]sortKey, bool) {
	if opts == nil {
		return nil, true
	}
	var fo options.FindOptions
	for _, f := range opts.Opts {
		if err := f(&fo); err != nil {
			return nil, false
		}
	}
	if fo.Projection != nil || fo.Skip != nil || fo.Collation != nil || fo.Hint != nil || fo.Min != nil || fo.Max != nil {
		return nil, false
	}
	if fo.Limit != nil {
		*limit = *fo.Limit
		if *limit < 0 {
			*limit = -*limit
		}
	}
	if fo.Sort == nil {
		return nil, true
	}
	d, ok := fo.Sort.(bson.D)
	if !ok {
		return nil, false
	}
	keys := make([]sortKey, 0, len(d))
	for _, e := range d {
		var dir int64
		switch v := e.Value.(type) {
		case int:
			dir = int64(v)
		case int32:
			dir = int64(v)
		case int64:
			dir = v
		default:
			return nil, false
		}
		if dir != 1 && dir != -1 {
			return nil, false
		}
		keys = append(keys, sortKey{Key: e.Key, desc: dir < 0})
	}
	return keys, true
}

// filter is a conjunction of equalities (or $in) on top-level fields.
type filter []condition

type condition struct {
	key string
	in  []bson.RawValue // any of them; one for an equality
}

// equal returns the string a field must equal, if the filter says so.
func (f filter) equal(key string) (string, bool) {
	for _, c := range f {
		if c.key == key && len(c.in) == 1 {
			return c.in[0].StringValueOK()
		}
	}
	return "", false
}

// values returns the string values a field must take, when the filter
// names them all ({key: v} or {key: {$in: [...]}}).
func (f filter) values(key string) ([]string, bool) {
	for _, c := range f {
		if c.key != key {
			continue
		}
		out := make([]string, 0, len(c.in))
		for _, v := range c.in {
			s, ok := v.StringValueOK()
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

func (f filter) matches(doc bson.Raw) bool {
	for _, c := range f {
		v := doc.Lookup(c.key)
		ok := false
		for _, want := range c.in {
			if valueMatches(v, want) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// valueMatches is MongoDB's equality: null matches a missing field, and a
// scalar matches an array holding it.
func valueMatches(v, want bson.RawValue) bool {
	if want.Type == bson.TypeNull {
		return v.Type == 0 || v.Type == bson.TypeNull || v.Type == bson.TypeUndefined
	}
	if v.Type == bson.TypeArray && want.Type != bson.TypeArray {
		vals, err := v.Array().Values()
		if err != nil {
			return false
		}
		for _, e := range vals {
			if scalarEqual(e, want) {
				return true
			}
		}
		return false
	}
	return scalarEqual(v, want)
}

func scalarEqual(a, b bson.RawValue) bool {
	if a.Type == 0 {
		return false
	}
	if isNumber(a.Type) && isNumber(b.Type) {
		return compareValues(a, b) == 0
	}
	return a.Type == b.Type && bytes.Equal(a.Value, b.Value)
}

func isNumber(t bson.Type) bool {
	return t == bson.TypeInt32 || t == bson.TypeInt64 || t == bson.TypeDouble
}

// compileFilter turns a bson.M or bson.D of equalities into a filter.
func compileFilter(f any) (filter, bool) {
	var d bson.D
	switch v := f.(type) {
	case nil:
		return nil, true
	case bson.D:
		d = v
	case bson.M:
		for k, x := range v {
			d = append(d, bson.E{Key: k, Value: x})
		}
	default:
		return nil, false
	}
	out := make(filter, 0, len(d))
	for _, e := range d {
		if e.Key == "" || e.Key[0] == '$' || bytes.ContainsRune([]byte(e.Key), '.') {
			return nil, false
		}
		var in []any
		switch v := e.Value.(type) {
		case bson.M:
			if len(v) != 1 {
				return nil, false
			}
			arr, ok := v["$in"]
			if !ok {
				return nil, false
			}
			list, ok := toList(arr)
			if !ok {
				return nil, false
			}
			in = list
		case bson.D, bson.A, map[string]any, []any, []string:
			return nil, false
		default:
			in = []any{v}
		}
		c := condition{key: e.Key}
		for _, x := range in {
			rv, ok := rawValueOf(x)
			if !ok {
				return nil, false
			}
			c.in = append(c.in, rv)
		}
		out = append(out, c)
	}
	return out, true
}

func toList(v any) ([]any, bool) {
	switch l := v.(type) {
	case bson.A:
		return l, true
	case []any:
		return l, true
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// rawValueOf encodes the scalar kinds a mirror compares.
func rawValueOf(x any) (bson.RawValue, bool) {
	switch x.(type) {
	case nil, string, bool, int, int32, int64, float64, time.Time, bson.ObjectID:
	default:
		return bson.RawValue{}, false
	}
	t, b, err := bson.MarshalValue(x)
	if err != nil {
		return bson.RawValue{}, false
	}
	return bson.RawValue{Type: t, Value: b}, true
}

// typeRank is MongoDB's order of types in sorts.
func typeRank(t bson.Type) int {
	switch t {
	case 0, bson.TypeNull, bson.TypeUndefined:
		return 1
	case bson.TypeInt32, bson.TypeInt64, bson.TypeDouble, bson.TypeDecimal128:
		return 2
	case bson.TypeString, bson.TypeSymbol:
		return 3
	case bson.TypeEmbeddedDocument:
		return 4
	case bson.TypeArray:
		return 5
	case bson.TypeBinary:
		return 6
	case bson.TypeObjectID:
		return 7
	case bson.TypeBoolean:
		return 8
	case bson.TypeDateTime:
		return 9
	case bson.TypeTimestamp:
		return 10
	}
	return 11
}

// compareValues orders two values as a MongoDB sort does, for the types the
// platform stores.
func compareValues(a, b bson.RawValue) int {
	ra, rb := typeRank(a.Type), typeRank(b.Type)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch ra {
	case 2:
		return cmp.Compare(number(a), number(b))
	case 3:
		return cmp.Compare(a.StringValue(), b.StringValue())
	case 7:
		return bytes.Compare(a.Value, b.Value)
	case 8:
		x, y := a.Boolean(), b.Boolean()
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case 9:
		return cmp.Compare(a.DateTime(), b.DateTime())
	case 1:
		return 0
	}
	return bytes.Compare(a.Value, b.Value)
}

func number(v bson.RawValue) float64 {
	switch v.Type {
	case bson.TypeInt32:
		return float64(v.Int32())
	case bson.TypeInt64:
		return float64(v.Int64())
	case bson.TypeDouble:
		return v.Double()
	}
	return 0
}
