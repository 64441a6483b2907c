package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync/atomic"

	"modernc.org/sqlite"
)

// maxCachedStatements bounds each connection's prepared statements. The
// store's queries are constant strings, except those with a list of
// placeholders whose length varies; past the bound a query is prepared for
// one use.
const maxCachedStatements = 256

// connector opens connections that keep their prepared statements and, when
// n is set (Options.Statements), count every statement they run: tests check
// that a request's queries do not grow with the data.
//
// Parsing and planning a statement costs more than running it on the store's
// indexed queries (a CPU profile of the load harness spent 11–27% of each
// request in SQLite's parser), and database/sql prepares a query again on
// every QueryContext. A prepared statement holds no data, only a compiled
// query, so keeping it caches nothing that could go stale; SQLite re-prepares
// it by itself when a migration changes the schema.
type connector struct {
	dsn  string
	n    *atomic.Int64
	rows *atomic.Int64 // rows read, when set (tests)
}

func (c connector) Connect(context.Context) (driver.Conn, error) {
	sc, err := (&sqlite.Driver{}).Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: sc, n: c.n, rows: c.rows, stmts: map[string]*cachedStmt{}}, nil
}

func (c connector) Driver() driver.Driver { return &sqlite.Driver{} }

// conn wraps a SQLite connection. database/sql never uses one connection from
// two goroutines at once, so the statement map needs no lock; a statement
// whose rows are still open (a query inside another's loop) is busy, and the
// second use prepares its own.
type conn struct {
	driver.Conn
	n     *atomic.Int64
	rows  *atomic.Int64
	stmts map[string]*cachedStmt
}

type cachedStmt struct {
	driver.Stmt
	busy bool
}

func (c *conn) count() {
	if c.n != nil {
		c.n.Add(1)
	}
}

// stmt returns the connection's prepared statement for query, or nil when it
// is in use or the cache is full.
func (c *conn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil, nil
		}
		return s, nil
	}
	if len(c.stmts) >= maxCachedStatements {
		return nil, nil
	}
	ds, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := &cachedStmt{Stmt: ds}
	c.stmts[query] = s
	return s, nil
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.count()
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.count()
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		rows, err := c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
		if err != nil || c.rows == nil {
			return rows, err
		}
		return &stmtRows{Rows: rows, count: c.rows}, nil
	}
	rows, err := s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &stmtRows{Rows: rows, s: s, count: c.rows}, nil
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.count()
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	s.busy = true
	defer func() { s.busy = false }()
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *conn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *conn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *conn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// Close finalizes the prepared statements, then closes the connection.
func (c *conn) Close() error {
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.Close())
		delete(c.stmts, q)
	}
	errs = append(errs, c.Conn.Close())
	return errors.Join(errs...)
}

// stmtRows frees its statement for the next use when closed, and counts the
// rows read when count is set.
type stmtRows struct {
	driver.Rows
	s     *cachedStmt // nil for a statement prepared for one use
	count *atomic.Int64
}

func (r *stmtRows) Next(dest []driver.Value) error {
	err := r.Rows.Next(dest)
	if err == nil && r.count != nil {
		r.count.Add(1)
	}
	return err
}

func (r *stmtRows) Close() error {
	if r.s != nil {
		r.s.busy = false
	}
	return r.Rows.Close()
}

// openSQL opens a pool on dsn, counting statements into n and rows read into
// rows when they are set.
func openSQL(dsn string, n, rows *atomic.Int64) *sql.DB {
	return sql.OpenDB(connector{dsn: dsn, n: n, rows: rows})
}
