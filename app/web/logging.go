package web

import (
	"context"
	"io"
	"librecours/app/config"
	"log/slog"
)

// NewLogger writes log lines to w in cfg's format (LIBRECOURS_LOG_FORMAT:
// text, the default, or json, one object a line) at cfg's level. A line
// written with a request's context (ErrorContext(c.UserContext(), ...))
// carries the request's ID and route pattern.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(requestHandler{h})
}

// requestHandler adds request_id and route to the lines logged with the
// context of a request (see Server.observe).
type requestHandler struct{ slog.Handler }

func (h requestHandler) Handle(ctx context.Context, r slog.Record) error {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", info.id), slog.String("route", info.Route()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestHandler) WithGroup(name string) slog.Handler {
	return requestHandler{h.Handler.WithGroup(name)}
}
